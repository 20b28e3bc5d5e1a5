using BrainGen.Models.Blocks;
using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Denoisers;

/// <summary>
/// The parts a UNet block picks by its <see cref="UNetBlockSpec"/>: the attention (GM's <see cref="AttentionBlock"/>
/// or a <see cref="SpatialTransformer"/>) and the resampler (a resampling <see cref="ResnetBlock"/> or a conv
/// <see cref="UNetDownsample"/> / <see cref="UNetUpsample"/>).
/// </summary>
internal static class UNetBlockParts
{
    public static Module Create(DiffusionUNetConfig c, UNetBlockSpec spec) => spec.Attention switch
    {
        UNetAttentionKind.SelfAttention => new AttentionBlock(spec.Channels, spec.HeadChannels, c.NormNumGroups, c.NormEps,
                                                                  c.AttentionOutputProjection),
        UNetAttentionKind.SpatialTransformer => new SpatialTransformer(c.SpatialDims, spec.Channels, spec.HeadChannels, c.TransformerNumLayers,
                                                                       c.CrossAttentionDim, c.NormNumGroups, c.NormEps, c.UpcastAttention,
                                                                       c.DropoutCattn),
        _ => throw new ArgumentException("no attention at this position"),
    };

    // (B, C, *S) -> (B, C, *S); the context reaches only spatial transformers (GM drops it for plain attention)
    public static Tensor Forward(Module attention, Tensor h, Tensor? context) => attention switch
    {
        SpatialTransformer t => t.Forward(h, context),
        AttentionBlock a => a.Forward(h),
        _ => throw new InvalidOperationException(attention.GetType().Name),
    };

    public static Module? CreateResampler(DiffusionUNetConfig c, UNetBlockSpec spec, bool up, long embChannels) => spec.Resample switch
    {
        UNetResample.Resnet => new ResnetBlock(c.SpatialDims, spec.Channels, spec.Channels, embChannels, c.NormNumGroups, c.NormEps,
                                               up: up, down: !up),
        UNetResample.Conv when up => new UNetUpsample(c.SpatialDims, spec.Channels, useConv: true),
        UNetResample.Conv => new UNetDownsample(c.SpatialDims, spec.Channels, useConv: true),
        _ => null,
    };

    public static Tensor Resample(Module resampler, Tensor h, Tensor emb) => resampler switch
    {
        ResnetBlock r => r.Forward(h, emb),
        Module<Tensor, Tensor> m => m.Forward(h),
        _ => throw new InvalidOperationException(resampler.GetType().Name),
    };
}

/// <summary>
/// GM's DownBlock / AttnDownBlock / CrossAttnDownBlock (one class: the keys are the same): resnets, each followed
/// by its attention when the level has one, then the downsampler unless it is the last level.
/// Keys: <c>attentions.j</c>, <c>resnets.j</c>, <c>downsampler</c> (in GM's registration order).
/// </summary>
public sealed class UNetDownBlock : Module
{
    public UNetDownBlock(DiffusionUNetConfig c, UNetBlockSpec spec, long embChannels)
    {
        if (spec.Attention != UNetAttentionKind.None)
            Attentions = RegisterModule("attentions", new ModuleList<Module>(spec.Resnets.Select(_ => UNetBlockParts.Create(c, spec))));
        Resnets = RegisterModule("resnets", new ModuleList<ResnetBlock>(spec.Resnets.Select(r =>
            new ResnetBlock(c.SpatialDims, r.In, r.Out, embChannels, c.NormNumGroups, c.NormEps))));
        if (UNetBlockParts.CreateResampler(c, spec, up: false, embChannels) is { } down) Downsampler = RegisterModule("downsampler", down);
    }

    public ModuleList<Module>? Attentions { get; }
    public ModuleList<ResnetBlock> Resnets { get; }
    public Module? Downsampler { get; }

    /// <summary>Returns the block output and appends every resnet/attention output and the downsampler output to <paramref name="skips"/>.</summary>
    // h (B, Cin, *S) -> (B, C, *S/2) (or *S at the last level)
    public Tensor Forward(Tensor h, Tensor emb, Tensor? context, List<Tensor> skips)
    {
        for (int j = 0; j < Resnets.Count; j++)
        {
            h = Resnets[j].Forward(h, emb);
            if (Attentions is not null) h = UNetBlockParts.Forward(Attentions[j], h, context);
            skips.Add(h);
        }
        if (Downsampler is not null)
        {
            h = UNetBlockParts.Resample(Downsampler, h, emb);
            skips.Add(h);
        }
        return h;
    }
}

/// <summary>GM's AttnMidBlock / CrossAttnMidBlock: <c>resnet_1</c>, <c>attention</c>, <c>resnet_2</c>.</summary>
public sealed class UNetMidBlock : Module
{
    public UNetMidBlock(DiffusionUNetConfig c, UNetBlockSpec spec, long embChannels)
    {
        Resnet1 = RegisterModule("resnet_1", new ResnetBlock(c.SpatialDims, spec.Channels, spec.Channels, embChannels, c.NormNumGroups, c.NormEps));
        Attention = RegisterModule("attention", UNetBlockParts.Create(c, spec));
        Resnet2 = RegisterModule("resnet_2", new ResnetBlock(c.SpatialDims, spec.Channels, spec.Channels, embChannels, c.NormNumGroups, c.NormEps));
    }

    public ResnetBlock Resnet1 { get; }
    public Module Attention { get; }
    public ResnetBlock Resnet2 { get; }

    // (B, C, *S) -> (B, C, *S)
    public Tensor Forward(Tensor h, Tensor emb, Tensor? context)
    {
        using var scope = NewDisposeScope();
        h = Resnet1.Forward(h, emb);
        h = UNetBlockParts.Forward(Attention, h, context);
        return Resnet2.Forward(h, emb).MoveToOuterScope();
    }
}

/// <summary>
/// GM's UpBlock / AttnUpBlock / CrossAttnUpBlock: num_res_blocks+1 resnets, each on cat(h, skip) with the
/// skips popped last-first, each followed by its attention; then the upsampler unless it is the last level.
/// Keys: <c>attentions.j</c>, <c>resnets.j</c>, <c>upsampler</c>.
/// </summary>
public sealed class UNetUpBlock : Module
{
    public UNetUpBlock(DiffusionUNetConfig c, UNetBlockSpec spec, long embChannels)
    {
        if (spec.Attention != UNetAttentionKind.None)
            Attentions = RegisterModule("attentions", new ModuleList<Module>(spec.Resnets.Select(_ => UNetBlockParts.Create(c, spec))));
        Resnets = RegisterModule("resnets", new ModuleList<ResnetBlock>(spec.Resnets.Select(r =>
            new ResnetBlock(c.SpatialDims, r.In, r.Out, embChannels, c.NormNumGroups, c.NormEps))));
        if (UNetBlockParts.CreateResampler(c, spec, up: true, embChannels) is { } up) Upsampler = RegisterModule("upsampler", up);
    }

    public ModuleList<Module>? Attentions { get; }
    public ModuleList<ResnetBlock> Resnets { get; }
    public Module? Upsampler { get; }

    /// <summary>Consumes <see cref="Resnets"/>.Count skips from the end of <paramref name="skips"/>.</summary>
    // h (B, Cprev, *S) -> (B, C, *2S) (or *S at the last level)
    public Tensor Forward(Tensor h, Tensor emb, Tensor? context, List<Tensor> skips)
    {
        for (int j = 0; j < Resnets.Count; j++)
        {
            var skip = skips[^1];
            skips.RemoveAt(skips.Count - 1);
            var joined = Tensor.Cat([h, skip], 1);  // (B, Ch + Cskip, *S)
            h = Resnets[j].Forward(joined, emb);
            joined.Dispose();  // our handles only: autograd keeps what it needs
            skip.Dispose();
            if (Attentions is not null) h = UNetBlockParts.Forward(Attentions[j], h, context);
        }
        if (Upsampler is not null) h = UNetBlockParts.Resample(Upsampler, h, emb);
        return h;
    }
}
