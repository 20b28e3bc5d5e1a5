namespace BrainGen.Models.Denoisers;

public enum UNetAttentionKind { None, SelfAttention, SpatialTransformer }

public enum UNetResample { None, Conv, Resnet }

/// <summary>One down or up level, or the middle block: its resnets' (in, out) channels, its attention and its resampler.</summary>
public sealed record UNetBlockSpec(int Level, long Channels, IReadOnlyList<(long In, long Out)> Resnets, UNetAttentionKind Attention,
                                   long HeadChannels, UNetResample Resample);

/// <summary>
/// The shape of a <see cref="DiffusionUNet"/> worked out from its config, as GM's constructor does: the
/// constructor builds its blocks from <see cref="Down"/>, <see cref="Middle"/> and <see cref="Up"/>, and
/// <see cref="ParameterShapes"/> lists every state_dict key with its shape from the same specs without
/// allocating a tensor (the brain-LDM bundle's 553 M parameters are checked this way).
/// </summary>
public sealed class DiffusionUNetLayout
{
    public DiffusionUNetLayout(DiffusionUNetConfig config)
    {
        Config = config.Validate();
        int levels = config.Levels;
        var ch = config.NumChannels;
        UNetAttentionKind AttentionAt(int i) => !config.AttentionLevels[i] ? UNetAttentionKind.None
            : config.WithConditioning ? UNetAttentionKind.SpatialTransformer : UNetAttentionKind.SelfAttention;
        var resample = config.ResblockUpdown ? UNetResample.Resnet : UNetResample.Conv;

        var down = new List<UNetBlockSpec>();
        for (int i = 0; i < levels; i++)
        {
            long input = i == 0 ? ch[0] : ch[i - 1], output = ch[i];
            var resnets = Enumerable.Range(0, config.ResBlocksAt(i)).Select(j => (j == 0 ? input : output, output)).ToList();
            down.Add(new UNetBlockSpec(i, output, resnets, AttentionAt(i), config.HeadChannelsAt(i), i == levels - 1 ? UNetResample.None : resample));
        }
        Down = down;

        long last = ch[^1];
        Middle = new UNetBlockSpec(levels - 1, last, [(last, last), (last, last)],
            config.WithConditioning ? UNetAttentionKind.SpatialTransformer : UNetAttentionKind.SelfAttention,
            config.HeadChannelsAt(levels - 1), UNetResample.None);

        // Up level i works at reversed level r = levels-1-i; resnet j takes cat(h, skip): GM's channel rule.
        var up = new List<UNetBlockSpec>();
        long prevOutput = ch[^1];
        for (int i = 0; i < levels; i++)
        {
            int r = levels - 1 - i;
            long output = ch[r], input = ch[Math.Max(r - 1, 0)];
            int n = config.ResBlocksAt(r) + 1;
            var resnets = Enumerable.Range(0, n).Select(j =>
                ((j == 0 ? prevOutput : output) + (j == n - 1 ? input : output), output)).ToList();
            up.Add(new UNetBlockSpec(r, output, resnets, AttentionAt(r), config.HeadChannelsAt(r), i == levels - 1 ? UNetResample.None : resample));
            prevOutput = output;
        }
        Up = up;
    }

    public DiffusionUNetConfig Config { get; }
    public IReadOnlyList<UNetBlockSpec> Down { get; }
    public UNetBlockSpec Middle { get; }
    public IReadOnlyList<UNetBlockSpec> Up { get; }

    /// <summary>Every state_dict key (GM names, GM order) with its shape.</summary>
    public IEnumerable<(string Key, long[] Shape)> ParameterShapes()
    {
        var c = Config;
        long c0 = c.NumChannels[0], emb = c.TimeEmbedDim;
        long[] k3 = Kernel(3);
        foreach (var e in ConvShapes("conv_in.conv", c0, c.InChannels, k3)) yield return e;
        foreach (var e in LinearShapes("time_embed.0", emb, c0)) yield return e;
        foreach (var e in LinearShapes("time_embed.2", emb, emb)) yield return e;
        if (c.NumClassEmbeds is { } classes) yield return ("class_embedding.weight", [classes, emb]);
        for (int i = 0; i < Down.Count; i++)
            foreach (var e in BlockShapes($"down_blocks.{i}", Down[i], upsampler: false)) yield return e;
        foreach (var e in ResnetShapes("middle_block.resnet_1", Middle.Resnets[0])) yield return e;
        foreach (var e in AttentionShapes("middle_block.attention", Middle)) yield return e;
        foreach (var e in ResnetShapes("middle_block.resnet_2", Middle.Resnets[1])) yield return e;
        for (int i = 0; i < Up.Count; i++)
            foreach (var e in BlockShapes($"up_blocks.{i}", Up[i], upsampler: true)) yield return e;
        foreach (var e in NormShapes("out.0", c0)) yield return e;
        foreach (var e in ConvShapes("out.2.conv", c.OutChannels, c0, k3)) yield return e;
    }

    public long ParameterCount() => ParameterShapes().Sum(e => e.Shape.Aggregate(1L, (a, b) => a * b));

    // GM registers attentions before resnets, then the resampler.
    private IEnumerable<(string, long[])> BlockShapes(string prefix, UNetBlockSpec spec, bool upsampler)
    {
        if (spec.Attention != UNetAttentionKind.None)
            for (int j = 0; j < spec.Resnets.Count; j++)
                foreach (var e in AttentionShapes($"{prefix}.attentions.{j}", spec)) yield return e;
        for (int j = 0; j < spec.Resnets.Count; j++)
            foreach (var e in ResnetShapes($"{prefix}.resnets.{j}", spec.Resnets[j])) yield return e;
        string name = upsampler ? "upsampler" : "downsampler";
        if (spec.Resample == UNetResample.Resnet)
            foreach (var e in ResnetShapes($"{prefix}.{name}", (spec.Channels, spec.Channels))) yield return e;
        if (spec.Resample == UNetResample.Conv)
            foreach (var e in ConvShapes($"{prefix}.{name}.{(upsampler ? "conv" : "op")}.conv", spec.Channels, spec.Channels, Kernel(3))) yield return e;
    }

    private IEnumerable<(string, long[])> ResnetShapes(string p, (long In, long Out) r)
    {
        foreach (var e in NormShapes($"{p}.norm1", r.In)) yield return e;
        foreach (var e in ConvShapes($"{p}.conv1.conv", r.Out, r.In, Kernel(3))) yield return e;
        foreach (var e in LinearShapes($"{p}.time_emb_proj", r.Out, Config.TimeEmbedDim)) yield return e;
        foreach (var e in NormShapes($"{p}.norm2", r.Out)) yield return e;
        foreach (var e in ConvShapes($"{p}.conv2.conv", r.Out, r.Out, Kernel(3))) yield return e;
        if (r.In != r.Out)
            foreach (var e in ConvShapes($"{p}.skip_connection.conv", r.Out, r.In, Kernel(1))) yield return e;
    }

    private IEnumerable<(string, long[])> AttentionShapes(string p, UNetBlockSpec spec)
    {
        long ch = spec.Channels;
        if (spec.Attention == UNetAttentionKind.SelfAttention)
        {
            foreach (var e in NormShapes($"{p}.norm", ch)) yield return e;
            foreach (var name in new[] { "to_q", "to_k", "to_v", "proj_attn" })
                foreach (var e in LinearShapes($"{p}.{name}", ch, ch)) yield return e;
            yield break;
        }
        long context = Config.CrossAttentionDim ?? ch;
        foreach (var e in NormShapes($"{p}.norm", ch)) yield return e;
        foreach (var e in ConvShapes($"{p}.proj_in.conv", ch, ch, Kernel(1))) yield return e;
        for (int l = 0; l < Config.TransformerNumLayers; l++)
        {
            string b = $"{p}.transformer_blocks.{l}";
            foreach (var (attn, kv) in new[] { ("attn1", ch), ("ff", 0L), ("attn2", context) })
            {
                if (attn == "ff")
                {
                    foreach (var e in LinearShapes($"{b}.ff.linear1", 8 * ch, ch)) yield return e;
                    foreach (var e in LinearShapes($"{b}.ff.linear2", ch, 4 * ch)) yield return e;
                    continue;
                }
                yield return ($"{b}.{attn}.to_q.weight", [ch, ch]);
                yield return ($"{b}.{attn}.to_k.weight", [ch, kv]);
                yield return ($"{b}.{attn}.to_v.weight", [ch, kv]);
                foreach (var e in LinearShapes($"{b}.{attn}.to_out.0", ch, ch)) yield return e;
            }
            foreach (var norm in new[] { "norm1", "norm2", "norm3" })
                foreach (var e in NormShapes($"{b}.{norm}", ch)) yield return e;
        }
        foreach (var e in ConvShapes($"{p}.proj_out.conv", ch, ch, Kernel(1))) yield return e;
    }

    private long[] Kernel(long k) => [.. Enumerable.Repeat(k, Config.SpatialDims)];

    private static IEnumerable<(string, long[])> ConvShapes(string p, long outC, long inC, long[] kernel) =>
        [($"{p}.weight", [outC, inC, .. kernel]), ($"{p}.bias", [outC])];

    private static IEnumerable<(string, long[])> LinearShapes(string p, long outF, long inF) =>
        [($"{p}.weight", [outF, inF]), ($"{p}.bias", [outF])];

    private static IEnumerable<(string, long[])> NormShapes(string p, long c) => [($"{p}.weight", [c]), ($"{p}.bias", [c])];
}
