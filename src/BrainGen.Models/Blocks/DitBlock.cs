using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Blocks;

/// <summary>
/// DiT's <c>DiTBlock</c> with adaLN-Zero: the conditioning vector c gives, through <c>adaLN_modulation</c> =
/// SiLU, Linear(D→6D), a shift, scale and gate for the attention and for the MLP; LayerNorms without affine
/// parameters (eps 1e-6). Keys: <c>attn.{qkv,proj}</c>, <c>mlp.{fc1,fc2}</c>, <c>adaLN_modulation.1</c>. The
/// modulation's Linear starts at zero (the "Zero"), so every block starts as the identity.
/// </summary>
public sealed class DitBlock : Module
{
    public DitBlock(long hiddenSize, long numHeads, long mlpHiddenSize)
    {
        Norm1 = RegisterModule("norm1", new LayerNorm(hiddenSize, 1e-6, elementwiseAffine: false));
        Attn = RegisterModule("attn", new DitAttention(hiddenSize, numHeads));
        Norm2 = RegisterModule("norm2", new LayerNorm(hiddenSize, 1e-6, elementwiseAffine: false));
        Mlp = RegisterModule("mlp", new DitMlp(hiddenSize, mlpHiddenSize));
        Modulation = new Linear(hiddenSize, 6 * hiddenSize);
        RegisterModule("adaLN_modulation", new Sequential(new SiLU(), Modulation));
    }

    public LayerNorm Norm1 { get; }
    public DitAttention Attn { get; }
    public LayerNorm Norm2 { get; }
    public DitMlp Mlp { get; }
    /// <summary>The last Linear of <c>adaLN_modulation</c>, zero-initialized by <c>Dit</c>.</summary>
    public Linear Modulation { get; }

    // x (B, T, D), c (B, D) -> (B, T, D)
    public Tensor Forward(Tensor x, Tensor c)
    {
        using var scope = NewDisposeScope();
        var m = Modulation.Forward(Functional.Silu(c)).Chunk(6, 1);  // 6 x (B, D)
        var (shiftMsa, scaleMsa, gateMsa, shiftMlp, scaleMlp, gateMlp) = (m[0], m[1], m[2], m[3], m[4], m[5]);
        x = x + gateMsa.Unsqueeze(1) * Attn.Forward(Modulate(Norm1.Forward(x), shiftMsa, scaleMsa));
        x = x + gateMlp.Unsqueeze(1) * Mlp.Forward(Modulate(Norm2.Forward(x), shiftMlp, scaleMlp));
        return x.MoveToOuterScope();
    }

    /// <summary>DiT's <c>modulate</c>: x·(1 + scale) + shift, shift and scale (B, D) broadcast over the tokens of x (B, T, D).</summary>
    public static Tensor Modulate(Tensor x, Tensor shift, Tensor scale)
    {
        using var scope = NewDisposeScope();
        return (x * (1 + scale.Unsqueeze(1)) + shift.Unsqueeze(1)).MoveToOuterScope();
    }
}
