using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Blocks;

/// <summary>
/// DiT's <c>TimestepEmbedder</c>: the sinusoidal features of t (width 256 in DiT, cos first; the same formula as
/// <see cref="TimestepEmbedding.Sinusoidal"/>) through <c>mlp</c> = Linear(F→D), SiLU, Linear(D→D): keys
/// <c>mlp.0</c>, <c>mlp.2</c>. <c>Dit</c> initializes the weights N(0, 0.02), biases 0, as DiT.
/// </summary>
public sealed class DitTimestepEmbedder : Module<Tensor, Tensor>
{
    public DitTimestepEmbedder(long hiddenSize, long frequencyEmbeddingSize = 256)
    {
        FrequencyEmbeddingSize = frequencyEmbeddingSize;
        Linear1 = new Linear(frequencyEmbeddingSize, hiddenSize);
        Linear2 = new Linear(hiddenSize, hiddenSize);
        RegisterModule("mlp", new Sequential(Linear1, new SiLU(), Linear2));
    }

    public long FrequencyEmbeddingSize { get; }
    public Linear Linear1 { get; }
    public Linear Linear2 { get; }

    // timesteps (B,), integer or fractional -> (B, D); the features in fp32, the MLP in the weights' dtype
    public override Tensor Forward(Tensor timesteps)
    {
        using var scope = NewDisposeScope();
        var features = TimestepEmbedding.Sinusoidal(timesteps, FrequencyEmbeddingSize).To(Linear1.Weight.DType);  // (B, F)
        return Linear2.Forward(Functional.Silu(Linear1.Forward(features))).MoveToOuterScope();
    }
}
