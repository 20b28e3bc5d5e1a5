using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Blocks;

/// <summary>
/// The DiT's conditioning on K normalized covariates, in place of DiT's class-label table: <c>mlp</c> =
/// Linear(K→D), SiLU, Linear(D→D), and a learned <c>null_embedding</c> (D) that stands in every row whose
/// covariates are not given, the classifier-free-guidance "unconditional" (DiT's extra null label row).
/// Rows not given are zeroed before the MLP, so missing values (NaN) never reach it, forward or backward.
/// <c>Dit</c> initializes its weights and the null embedding N(0, 0.02), as DiT its embedders, biases 0. Keys: <c>mlp.0</c>, <c>mlp.2</c>, <c>null_embedding</c>.
/// </summary>
public sealed class CovariateEmbedder : Module
{
    public CovariateEmbedder(long numCovariates, long hiddenSize)
    {
        NumCovariates = numCovariates;
        NullEmbedding = RegisterParameter("null_embedding", Tensor.Zeros([hiddenSize]));
        Linear1 = new Linear(numCovariates, hiddenSize);
        Linear2 = new Linear(hiddenSize, hiddenSize);
        RegisterModule("mlp", new Sequential(Linear1, new SiLU(), Linear2));
    }

    public long NumCovariates { get; }
    public Tensor NullEmbedding { get; }
    public Linear Linear1 { get; }
    public Linear Linear2 { get; }

    /// <summary>
    /// covariates (B, K) normalized, or null (no row given); given (B,) bool, or null (every row given)
    /// -> (B, D): the MLP of a row's covariates where given, the null embedding where not.
    /// </summary>
    public Tensor Forward(Tensor? covariates, Tensor? given, long batch)
    {
        using var scope = NewDisposeScope();
        var nullRows = NullEmbedding.Unsqueeze(0).Expand(batch, NullEmbedding.Size(0));  // (B, D)
        if (covariates is null) return nullRows.Contiguous().MoveToOuterScope();
        covariates = covariates.To(NullEmbedding.DType);                                  // e.g. float64 rows from the host
        if (given is null) return Mlp(covariates).MoveToOuterScope();
        var keep = given.Unsqueeze(1);                                                     // (B, 1)
        var safe = Tensor.Where(keep, covariates, covariates.ZerosLike());                 // (B, K)
        return Tensor.Where(keep, Mlp(safe), nullRows).MoveToOuterScope();
    }

    private Tensor Mlp(Tensor covariates) => Linear2.Forward(Functional.Silu(Linear1.Forward(covariates)));
}
