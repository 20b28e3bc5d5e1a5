using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Blocks;

/// <summary>
/// GM's <c>BasicTransformerBlock</c>: pre-norm self-attention, cross-attention to the context, and a
/// GEGLU feed-forward, each with a residual. Keys in GM's registration order: <c>attn1</c>, <c>ff</c>,
/// <c>attn2</c>, <c>norm1</c>, <c>norm2</c>, <c>norm3</c> (LayerNorm, eps 1e-5).
/// </summary>
public sealed class BasicTransformerBlock : Module
{
    public BasicTransformerBlock(long channels, long numHeads, long headChannels, long? crossAttentionDim, bool upcastAttention = false,
                                 double dropout = 0)
    {
        Attn1 = RegisterModule("attn1", new CrossAttention(channels, null, numHeads, headChannels, upcastAttention, dropout));
        Ff = RegisterModule("ff", new GegluFeedForward(channels, channels * 4, dropout));
        Attn2 = RegisterModule("attn2", new CrossAttention(channels, crossAttentionDim, numHeads, headChannels, upcastAttention, dropout));
        Norm1 = RegisterModule("norm1", new LayerNorm(channels));
        Norm2 = RegisterModule("norm2", new LayerNorm(channels));
        Norm3 = RegisterModule("norm3", new LayerNorm(channels));
    }

    public CrossAttention Attn1 { get; }
    public GegluFeedForward Ff { get; }
    public CrossAttention Attn2 { get; }
    public LayerNorm Norm1 { get; }
    public LayerNorm Norm2 { get; }
    public LayerNorm Norm3 { get; }

    // x (B, N, C), context (B, M, cross_attention_dim) or null (then attn2 is self-attention) -> (B, N, C)
    public Tensor Forward(Tensor x, Tensor? context = null)
    {
        using var scope = NewDisposeScope();
        x = Attn1.Forward(Norm1.Forward(x)) + x;
        x = Attn2.Forward(Norm2.Forward(x), context) + x;
        x = Ff.Forward(Norm3.Forward(x)) + x;
        return x.MoveToOuterScope();
    }
}

/// <summary>
/// MONAI's <c>MLPBlock(act="GEGLU")</c>: linear1 to twice the hidden width, split into (value, gate),
/// value · gelu(gate), linear2 back. Keys: <c>linear1</c> (2·mlp, C), <c>linear2</c> (C, mlp).
/// </summary>
public sealed class GegluFeedForward : Module<Tensor, Tensor>
{
    public GegluFeedForward(long channels, long mlpDim, double dropout = 0)
    {
        Linear1 = RegisterModule("linear1", new Linear(channels, mlpDim * 2));
        Linear2 = RegisterModule("linear2", new Linear(mlpDim, channels));
        Drop1 = RegisterModule("drop1", new Dropout(dropout));  // parameterless, registered so Eval() reaches them
        Drop2 = RegisterModule("drop2", new Dropout(dropout));
    }

    public Linear Linear1 { get; }
    public Linear Linear2 { get; }
    private Dropout Drop1 { get; }
    private Dropout Drop2 { get; }

    // (B, N, C) -> (B, N, C)
    public override Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var parts = Linear1.Forward(x).Chunk(2, -1);  // (B, N, mlp) x 2
        var h = parts[0] * Functional.Gelu(parts[1]);
        h = Drop1.Forward(h);
        h = Linear2.Forward(h);
        return Drop2.Forward(h).MoveToOuterScope();
    }
}
