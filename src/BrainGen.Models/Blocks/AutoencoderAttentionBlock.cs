using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Blocks;

/// <summary>
/// GM AutoencoderKL <c>AttentionBlock</c>: spatial self-attention with a residual,
/// <c>x + attn(norm(x))</c> over the flattened voxels, one head unless <c>numHeadChannels</c> is given
/// (the AE never gives it), scale 1/√(C/heads). GM registers <c>proj_attn</c> but never applies it, so the
/// weights are loaded and ignored; <paramref name="applyOutputProjection"/> applies it (MONAI-core
/// <c>include_fc=True</c> semantics). Keys: norm, to_q, to_k, to_v, proj_attn (weight, bias each).
/// </summary>
public sealed class AutoencoderAttentionBlock : Module<Tensor, Tensor>
{
    public AutoencoderAttentionBlock(int spatialDims, int channels, int normNumGroups, double normEps,
                                     int? numHeadChannels = null, bool applyOutputProjection = false)
    {
        if (numHeadChannels is { } hc && (hc < 1 || channels % hc != 0))
            throw new ArgumentException($"{channels} channels do not split into heads of {hc}");
        SpatialDims = spatialDims;
        Channels = channels;
        NumHeads = numHeadChannels is { } c ? channels / c : 1;
        ApplyOutputProjection = applyOutputProjection;
        Norm = RegisterModule("norm", new GroupNorm(normNumGroups, channels, normEps));
        ToQ = RegisterModule("to_q", new Linear(channels, channels));
        ToK = RegisterModule("to_k", new Linear(channels, channels));
        ToV = RegisterModule("to_v", new Linear(channels, channels));
        ProjAttn = RegisterModule("proj_attn", new Linear(channels, channels));
    }

    public int SpatialDims { get; }
    public int Channels { get; }
    public int NumHeads { get; }
    public bool ApplyOutputProjection { get; }
    public GroupNorm Norm { get; }
    public Linear ToQ { get; }
    public Linear ToK { get; }
    public Linear ToV { get; }
    public Linear ProjAttn { get; }

    // (B, C, *S) -> (B, C, *S)
    public override Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long[] shape = x.Shape;
        long batch = shape[0], tokens = shape.Skip(2).Aggregate(1L, (a, b) => a * b);
        var h = Norm.Forward(x).Reshape(batch, Channels, tokens).Transpose(1, 2);  // (B, C, *S) -> (B, N, C)
        var q = SplitHeads(ToQ.Forward(h), batch, tokens);
        var k = SplitHeads(ToK.Forward(h), batch, tokens);
        var v = SplitHeads(ToV.Forward(h), batch, tokens);
        var a = Functional.ScaledDotProductAttention(q, k, v)                    // (B, heads, N, d)
            .Permute(0, 2, 1, 3).Reshape(batch, tokens, Channels);              // -> (B, N, C)
        if (ApplyOutputProjection) a = ProjAttn.Forward(a);
        var y = a.Transpose(1, 2).Reshape(shape);                                 // (B, N, C) -> (B, C, *S)
        return (y + x).MoveToOuterScope();
    }

    // (B, N, C) -> (B, heads, N, C/heads)
    private Tensor SplitHeads(Tensor t, long batch, long tokens) =>
        t.Reshape(batch, tokens, NumHeads, Channels / NumHeads).Permute(0, 2, 1, 3);
}
