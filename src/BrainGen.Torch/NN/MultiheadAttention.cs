namespace BrainGen.Torch.NN;

/// <summary>
/// torch.nn.MultiheadAttention (batch_first), for self attention (key = value = query) and cross
/// attention (key/value from a context of another width). Keys as PyTorch: in_proj_weight (3E, E)
/// when all widths are E, else q_proj_weight, k_proj_weight, v_proj_weight; in_proj_bias (3E);
/// out_proj.weight, out_proj.bias.
/// </summary>
public sealed class MultiheadAttention : Module
{
    public MultiheadAttention(long embedDim, long numHeads, bool bias = true, long? kDim = null, long? vDim = null)
    {
        if (embedDim % numHeads != 0) throw new ArgumentException($"embed dim {embedDim} is not divisible by {numHeads} heads");
        EmbedDim = embedDim;
        NumHeads = numHeads;
        long kd = kDim ?? embedDim, vd = vDim ?? embedDim;
        // PyTorch builds out_proj (drawing its default Linear init) before _reset_parameters draws
        // the input projections: the same order here gives PyTorch's weights for the same seed.
        // State-dict order is unaffected: a module's own parameters always precede its children's.
        OutProj = RegisterModule("out_proj", new Linear(embedDim, embedDim, bias));
        if (kd == embedDim && vd == embedDim)
        {
            InProjWeight = RegisterParameter("in_proj_weight", Tensor.Empty([3 * embedDim, embedDim]));
            Init.XavierUniform_(InProjWeight);
        }
        else
        {
            QProjWeight = RegisterParameter("q_proj_weight", Tensor.Empty([embedDim, embedDim]));
            KProjWeight = RegisterParameter("k_proj_weight", Tensor.Empty([embedDim, kd]));
            VProjWeight = RegisterParameter("v_proj_weight", Tensor.Empty([embedDim, vd]));
            foreach (var w in new[] { QProjWeight, KProjWeight, VProjWeight }) Init.XavierUniform_(w);
        }
        if (bias) InProjBias = RegisterParameter("in_proj_bias", Tensor.Zeros([3 * embedDim]));
        if (OutProj.Bias is not null) Init.Zeros_(OutProj.Bias);
    }

    public long EmbedDim { get; }
    public long NumHeads { get; }
    public Tensor? InProjWeight { get; }
    public Tensor? QProjWeight { get; }
    public Tensor? KProjWeight { get; }
    public Tensor? VProjWeight { get; }
    public Tensor? InProjBias { get; }
    public Linear OutProj { get; }

    /// <summary>(B, Lq, E), (B, Lk, kdim), (B, Lk, vdim) -> (B, Lq, E). A boolean mask (Lq, Lk) keeps true positions.</summary>
    public Tensor Forward(Tensor query, Tensor key, Tensor value, Tensor? mask = null)
    {
        using var scope = Torch.NewDisposeScope();
        var (wq, wk, wv) = InProjWeight is { } w
            ? (w.Narrow(0, 0, EmbedDim), w.Narrow(0, EmbedDim, EmbedDim), w.Narrow(0, 2 * EmbedDim, EmbedDim))
            : (QProjWeight!, KProjWeight!, VProjWeight!);
        var (bq, bk, bv) = InProjBias is { } b
            ? (b.Narrow(0, 0, EmbedDim), b.Narrow(0, EmbedDim, EmbedDim), b.Narrow(0, 2 * EmbedDim, EmbedDim))
            : ((Tensor?)null, (Tensor?)null, (Tensor?)null);
        var q = SplitHeads(Functional.Linear(query, wq, bq));  // (B, H, Lq, d)
        var k = SplitHeads(Functional.Linear(key, wk, bk));    // (B, H, Lk, d)
        var v = SplitHeads(Functional.Linear(value, wv, bv));  // (B, H, Lk, d)
        var attended = Functional.ScaledDotProductAttention(q, k, v, mask);  // (B, H, Lq, d)
        var merged = attended.Transpose(1, 2).Reshape(query.Size(0), query.Size(1), EmbedDim);  // (B, Lq, E)
        return OutProj.Forward(merged).MoveToOuterScope();
    }

    public Tensor Forward(Tensor x) => Forward(x, x, x);

    private Tensor SplitHeads(Tensor x) => x.View(x.Size(0), x.Size(1), NumHeads, EmbedDim / NumHeads).Transpose(1, 2);
}
