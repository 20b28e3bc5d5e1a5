using BrainGen.Models.Blocks;
using BrainGen.Models.Checkpoints;
using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Denoisers;

/// <summary>
/// MONAI Generative's <c>DiffusionModelUNet</c> (Rombach et al. 2022; Pinaya et al. 2022), 2D or 3D, with the
/// same state_dict keys, so GM checkpoints (the brain-LDM bundle's <c>diffusion_model.pth</c>) load strictly and
/// give PyTorch's outputs. Conditioning by channel concatenation is the caller's (concatenate before
/// <see cref="Forward"/>); conditioning by cross-attention is the <c>context</c>; class labels add a learned
/// embedding to the time embedding.
/// Keys: <c>conv_in.conv</c>, <c>time_embed.{0,2}</c>, [<c>class_embedding</c>], <c>down_blocks.i</c>,
/// <c>middle_block</c>, <c>up_blocks.i</c>, <c>out.0</c> (GroupNorm), <c>out.2.conv</c>.
/// </summary>
public sealed class DiffusionUNet : Module
{
    public DiffusionUNet(DiffusionUNetConfig config)
    {
        Layout = new DiffusionUNetLayout(config);
        Config = Layout.Config;
        var c = Config;
        long c0 = c.NumChannels[0], emb = c.TimeEmbedDim;
        ConvIn = RegisterModule("conv_in", new Convolution(c.SpatialDims, c.InChannels, c0, kernelSize: 3));
        TimeEmbed = RegisterModule("time_embed", new TimestepEmbedding(c0, emb));
        if (c.NumClassEmbeds is { } classes) ClassEmbedding = RegisterModule("class_embedding", new Embedding(classes, emb));
        DownBlocks = RegisterModule("down_blocks", new ModuleList<UNetDownBlock>(Layout.Down.Select(s => new UNetDownBlock(c, s, emb))));
        MiddleBlock = RegisterModule("middle_block", new UNetMidBlock(c, Layout.Middle, emb));
        UpBlocks = RegisterModule("up_blocks", new ModuleList<UNetUpBlock>(Layout.Up.Select(s => new UNetUpBlock(c, s, emb))));
        OutNorm = new GroupNorm(c.NormNumGroups, c0, c.NormEps);
        OutConv = new Convolution(c.SpatialDims, c0, c.OutChannels, kernelSize: 3);
        RegisterModule("out", new Sequential(OutNorm, new SiLU(), OutConv));
    }

    public DiffusionUNetConfig Config { get; }
    public DiffusionUNetLayout Layout { get; }
    public Convolution ConvIn { get; }
    public TimestepEmbedding TimeEmbed { get; }
    public Embedding? ClassEmbedding { get; }
    public ModuleList<UNetDownBlock> DownBlocks { get; }
    public UNetMidBlock MiddleBlock { get; }
    public ModuleList<UNetUpBlock> UpBlocks { get; }
    public GroupNorm OutNorm { get; }
    public Convolution OutConv { get; }

    /// <summary>
    /// Predicts the model output (ε, v or x0: whatever it was trained for).
    /// </summary>
    /// <param name="x">(B, in_channels, *S); each spatial size divisible by 2^(levels-1).</param>
    /// <param name="timesteps">(B,) or (1,) (one step for the batch), integer or float; a 0-d tensor counts as (1,).</param>
    /// <param name="context">(B, M, cross_attention_dim) for a with_conditioning model; null makes its cross-attention
    /// self-attention (GM), which needs cross_attention_dim equal to the level's channels. For an unconditional pass pass
    /// a zero or learned context.</param>
    /// <param name="classLabels">(B,) int64, required iff num_class_embeds is set.</param>
    /// <param name="downBlockAdditionalResiduals">ControlNet residuals, one per skip (conv_in, every resnet/attention, every downsampler).</param>
    /// <param name="midBlockAdditionalResidual">ControlNet residual added to the middle block output.</param>
    /// <returns>(B, out_channels, *S)</returns>
    public Tensor Forward(Tensor x, Tensor timesteps, Tensor? context = null, Tensor? classLabels = null,
                          IReadOnlyList<Tensor>? downBlockAdditionalResiduals = null, Tensor? midBlockAdditionalResidual = null)
    {
        var c = Config;
        CheckInputs(x, timesteps, context, classLabels);
        using var scope = NewDisposeScope();

        // 1. time (and class) embedding: (B, C0) sinusoid in fp32, cast to x's dtype, then the MLP -> (B, E)
        var steps = timesteps.Dim == 0 ? timesteps.Reshape(1) : timesteps;
        var emb = TimeEmbed.Forward(TimestepEmbedding.Sinusoidal(steps, c.NumChannels[0]).To(x.DType));
        if (ClassEmbedding is not null) emb = emb + ClassEmbedding.Forward(classLabels!).To(x.DType);

        // 2. down: keep every intermediate as a skip
        var h = ConvIn.Forward(x);                   // (B, C0, *S)
        var skips = new List<Tensor> { h };
        foreach (var block in DownBlocks) h = block.Forward(h, emb, context, skips);
        if (downBlockAdditionalResiduals is not null)
        {
            if (downBlockAdditionalResiduals.Count != skips.Count)
                throw new ArgumentException($"expected {skips.Count} down-block residuals, got {downBlockAdditionalResiduals.Count}");
            for (int i = 0; i < skips.Count; i++) skips[i] = skips[i] + downBlockAdditionalResiduals[i];
        }

        // 3. middle
        h = MiddleBlock.Forward(h, emb, context);    // (B, C_last, *S/2^(L-1))
        if (midBlockAdditionalResidual is not null) h = h + midBlockAdditionalResidual;

        // 4. up: each block pops its resnets' skips from the end
        foreach (var block in UpBlocks) h = block.Forward(h, emb, context, skips);

        // 5. out: GroupNorm, SiLU, conv -> (B, out_channels, *S)
        var output = OutConv.Forward(Functional.Silu(OutNorm.Forward(h)));
        return output.MoveToOuterScope();
    }

    private void CheckInputs(Tensor x, Tensor timesteps, Tensor? context, Tensor? classLabels)
    {
        var c = Config;
        if (x.Dim != c.SpatialDims + 2 || x.Size(1) != c.InChannels)
            throw new ArgumentException($"x must be (B, {c.InChannels}, {string.Join(", ", Enumerable.Repeat("*", c.SpatialDims))}); got [{string.Join(", ", x.Shape)}]");
        long factor = 1L << (c.Levels - 1);
        if (x.Shape.Skip(2).Any(s => s % factor != 0))
            throw new ArgumentException($"every spatial size of x must be divisible by {factor} ({c.Levels} levels); got [{string.Join(", ", x.Shape)}]");
        long n = timesteps.Dim == 0 ? 1 : timesteps.Size(0);
        if (timesteps.Dim > 1 || (n != 1 && n != x.Size(0)))
            throw new ArgumentException($"timesteps must be (B,) or (1,) with B={x.Size(0)}; got [{string.Join(", ", timesteps.Shape)}]");
        if (context is not null && !c.WithConditioning)
            throw new ArgumentException("a context was given but the model has with_conditioning=false");
        if (context is not null && (context.Dim != 3 || context.Size(-1) != c.CrossAttentionDim))
            throw new ArgumentException($"context must be (B, M, {c.CrossAttentionDim}); got [{string.Join(", ", context.Shape)}]");
        if (c.NumClassEmbeds is not null && classLabels is null)
            throw new ArgumentException("class_labels are required: the model has num_class_embeds set");
        if (c.NumClassEmbeds is null && classLabels is not null)
            throw new ArgumentException("class_labels were given but the model has no class embedding (num_class_embeds is null)");
    }

    /// <summary>
    /// Loads a state dict under GM or MONAI-core names (mapped by <see cref="DiffusionUNetKeyMapping"/>), strictly:
    /// the error names <paramref name="source"/> (e.g. the file) and lists missing, unexpected and shape-mismatched keys.
    /// </summary>
    public StateDictLoadResult LoadCheckpoint(IReadOnlyDictionary<string, HostTensor> state, string source = "state dict")
    {
        var mapped = DiffusionUNetKeyMapping.ToGenerative(state, Config, source);
        try
        {
            return LoadStateDict(mapped, strict: true, source: source);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException(e.Message + DiffusionUNetKeyMapping.Hint(mapped, this), e);
        }
    }
}
