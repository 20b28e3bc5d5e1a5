using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Blocks;

/// <summary>timm's <c>Mlp</c> as DiT builds it: <c>fc1</c>, GELU (tanh approximation), <c>fc2</c>; no dropout.</summary>
public sealed class DitMlp : Module<Tensor, Tensor>
{
    public DitMlp(long hiddenSize, long mlpHiddenSize)
    {
        Fc1 = RegisterModule("fc1", new Linear(hiddenSize, mlpHiddenSize));
        Fc2 = RegisterModule("fc2", new Linear(mlpHiddenSize, hiddenSize));
    }

    public Linear Fc1 { get; }
    public Linear Fc2 { get; }

    // (B, T, D) -> (B, T, D)
    public override Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return Fc2.Forward(Functional.Gelu(Fc1.Forward(x), tanhApproximation: true)).MoveToOuterScope();
    }
}
