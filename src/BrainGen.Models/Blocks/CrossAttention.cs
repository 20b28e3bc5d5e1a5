using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Blocks;

/// <summary>
/// MONAI Generative's <c>CrossAttention</c> (from diffusers): multi-head attention of x over a
/// context (over x itself when the context is null). Keys: <c>to_q</c>, <c>to_k</c>, <c>to_v</c>
/// (no bias), <c>to_out.0</c> (Linear with bias; <c>to_out.1</c> is dropout). MONAI-core names the
/// output projection <c>out_proj</c>: see <c>DiffusionUNetKeyMapping</c>.
/// </summary>
public sealed class CrossAttention : Module
{
    public CrossAttention(long queryDim, long? crossAttentionDim, long numHeads, long headChannels, bool upcastAttention = false,
                          double dropout = 0)
    {
        if (numHeads < 1 || headChannels < 1) throw new ArgumentException($"attention needs at least one head of at least one channel (got {numHeads} x {headChannels})");
        long inner = numHeads * headChannels;
        long contextDim = crossAttentionDim ?? queryDim;
        NumHeads = numHeads;
        ContextDim = contextDim;
        UpcastAttention = upcastAttention;
        ToQ = RegisterModule("to_q", new Linear(queryDim, inner, bias: false));
        ToK = RegisterModule("to_k", new Linear(contextDim, inner, bias: false));
        ToV = RegisterModule("to_v", new Linear(contextDim, inner, bias: false));
        ToOut = RegisterModule("to_out", new Sequential(new Linear(inner, queryDim), new Dropout(dropout)));
    }

    public long NumHeads { get; }
    public long ContextDim { get; }
    public bool UpcastAttention { get; }
    public Linear ToQ { get; }
    public Linear ToK { get; }
    public Linear ToV { get; }
    public Sequential ToOut { get; }

    /// <summary>
    /// Use libtorch's fused attention where it exists and gives GM's result (fp32, or no upcast);
    /// false forces the explicit softmax form everywhere (e.g. for bit-level comparisons).
    /// </summary>
    public static bool PreferFusedAttention { get; set; } = true;

    // x (B, N, C), context (B, M, ContextDim) or null -> (B, N, C)
    public Tensor Forward(Tensor x, Tensor? context = null)
    {
        using var scope = NewDisposeScope();
        var source = context ?? x;
        if (source.Size(-1) != ContextDim)
            throw new ArgumentException(context is null
                ? $"cross-attention without a context attends to x ({source.Size(-1)} channels) but its keys expect {ContextDim}: pass a context (zeros for unconditional)"
                : $"context has {source.Size(-1)} features; this model's cross_attention_dim is {ContextDim}");
        var q = ToQ.Forward(x);
        var k = ToK.Forward(source);
        var v = ToV.Forward(source);
        var h = Attend(q, k, v, NumHeads, UpcastAttention);
        return ToOut.Forward(h).MoveToOuterScope();
    }

    /// <summary>
    /// GM's attention: heads split from the channels, softmax(q kᵀ · d^-1/2) v per head. With
    /// <paramref name="upcast"/> q and k are cast to fp32 for the scores and the probabilities back to
    /// the input dtype before multiplying v.
    /// </summary>
    // q (B, N, H·d), k and v (B, M, H·d) -> (B, N, H·d)
    public static Tensor Attend(Tensor q, Tensor k, Tensor v, long numHeads, bool upcast)
    {
        using var scope = NewDisposeScope();
        long b = q.Size(0), n = q.Size(1), inner = q.Size(2), m = k.Size(1), d = inner / numHeads;
        var qh = q.Reshape(b, n, numHeads, d).Permute(0, 2, 1, 3);  // (B, H, N, d)
        var kh = k.Reshape(b, m, numHeads, d).Permute(0, 2, 1, 3);  // (B, H, M, d)
        var vh = v.Reshape(b, m, numHeads, d).Permute(0, 2, 1, 3);
        Tensor o;
        if (PreferFusedAttention && Functional.HasFusedAttention && (!upcast || q.DType == DType.Float32))
        {
            o = Functional.ScaledDotProductAttention(qh, kh, vh);  // same scale, d^-1/2
        }
        else
        {
            var dtype = q.DType;
            if (upcast)
            {
                qh = qh.Float();
                kh = kh.Float();
            }
            var scores = qh.MatMul(kh.Transpose(-1, -2)) * (1.0 / Math.Sqrt(d));  // (B, H, N, M)
            var probs = Functional.Softmax(scores, -1).To(dtype);
            o = probs.MatMul(vh);                                                  // (B, H, N, d)
        }
        return o.Permute(0, 2, 1, 3).Reshape(b, n, inner).MoveToOuterScope();
    }
}
