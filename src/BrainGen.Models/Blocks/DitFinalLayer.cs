using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Blocks;

/// <summary>
/// DiT's <c>FinalLayer</c>: adaLN (shift, scale from <c>adaLN_modulation</c> = SiLU, Linear(D→2D)) over a
/// LayerNorm without affine (eps 1e-6), then <c>linear</c> to the p^n·C_out values of each patch, in
/// (p, …, p, C) order with C fastest. Keys: <c>linear</c>, <c>adaLN_modulation.1</c>; both zero-initialized by <c>Dit</c>.
/// </summary>
public sealed class DitFinalLayer : Module
{
    public DitFinalLayer(long hiddenSize, long patchFeatures)
    {
        NormFinal = RegisterModule("norm_final", new LayerNorm(hiddenSize, 1e-6, elementwiseAffine: false));
        Linear = RegisterModule("linear", new Linear(hiddenSize, patchFeatures));
        Modulation = new Linear(hiddenSize, 2 * hiddenSize);
        RegisterModule("adaLN_modulation", new Sequential(new SiLU(), Modulation));
    }

    public LayerNorm NormFinal { get; }
    public Linear Linear { get; }
    public Linear Modulation { get; }

    // x (B, T, D), c (B, D) -> (B, T, p^n·C_out)
    public Tensor Forward(Tensor x, Tensor c)
    {
        using var scope = NewDisposeScope();
        var m = Modulation.Forward(Functional.Silu(c)).Chunk(2, 1);  // shift, scale: (B, D) each
        return Linear.Forward(DitBlock.Modulate(NormFinal.Forward(x), m[0], m[1])).MoveToOuterScope();
    }
}
