using BrainGen.Torch;

namespace BrainGen.Pipelines.Evaluation;

/// <summary>
/// Unbiased maximum mean discrepancy (Gretton et al. 2012, "A kernel two-sample test", JMLR 13,
/// eq. 3: MMD²_u) with the linear kernel k(a, b) = a·b, as MONAI's <c>MMDMetric</c> without a mapping:
/// mean off-diagonal k over the real pairs + over the synthetic pairs - 2 × mean k across the sets.
/// Samples are flattened from dim 1, so features (N, F) and images (N, C, *S) both work; computed in
/// the inputs' dtype as MONAI does. Unlike MONAI, the two sets may differ in size (the estimator
/// does not need equal sizes).
/// </summary>
public static class MaximumMeanDiscrepancy
{
    public static double Compute(Tensor real, Tensor synthetic)
    {
        if (real.Size(0) < 2 || synthetic.Size(0) < 2)
            throw new ArgumentException($"MMD needs at least two samples per set, got {real.Size(0)} real and {synthetic.Size(0)} synthetic");
        if (!real.Shape.Skip(1).SequenceEqual(synthetic.Shape.Skip(1)))
            throw new ArgumentException($"MMD: sample shapes differ, [{string.Join(", ", real.Shape.Skip(1))}] vs [{string.Join(", ", synthetic.Shape.Skip(1))}]");
        using var scope = Torch.Torch.NewDisposeScope();
        var y = real.Reshape(real.Size(0), -1);
        var p = synthetic.Reshape(synthetic.Size(0), -1);
        double m = y.Size(0), n = p.Size(0);
        var yy = y.MatMul(y.Transpose(0, 1));
        var pp = p.MatMul(p.Transpose(0, 1));
        var py = p.MatMul(y.Transpose(0, 1));
        var a = (yy - Ops.Diag(Ops.Diagonal(yy))).Sum();
        var b = (pp - Ops.Diag(Ops.Diagonal(pp))).Sum();
        var c = py.Sum();
        return (a * (1 / (m * (m - 1))) + b * (1 / (n * (n - 1))) - c * (2 / (m * n))).ToDouble();
    }
}
