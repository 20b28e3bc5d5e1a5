using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Blocks;

/// <summary>
/// timm's <c>Attention</c> as DiT uses it: one <c>qkv</c> Linear (bias) whose output splits as (3, heads, d),
/// softmax(q kᵀ · d^-1/2) v per head, then <c>proj</c>. Keys: <c>qkv</c>, <c>proj</c>.
/// </summary>
public sealed class DitAttention : Module<Tensor, Tensor>
{
    public DitAttention(long hiddenSize, long numHeads)
    {
        if (numHeads < 1 || hiddenSize % numHeads != 0)
            throw new ArgumentException($"hidden_size={hiddenSize} is not divisible by num_heads={numHeads}");
        NumHeads = numHeads;
        Qkv = RegisterModule("qkv", new Linear(hiddenSize, 3 * hiddenSize));
        Proj = RegisterModule("proj", new Linear(hiddenSize, hiddenSize));
    }

    public long NumHeads { get; }
    public Linear Qkv { get; }
    public Linear Proj { get; }

    // (B, T, D) -> (B, T, D)
    public override Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var qkv = Qkv.Forward(x).Chunk(3, -1);  // 3 x (B, T, D), each D = (heads, d) as timm's reshape
        var h = CrossAttention.Attend(qkv[0], qkv[1], qkv[2], NumHeads, upcast: false);
        return Proj.Forward(h).MoveToOuterScope();
    }
}
