using Complex = System.Numerics.Complex;
using BrainGen.Torch;
using MathNet.Numerics.LinearAlgebra;

namespace BrainGen.Pipelines.Evaluation;

/// <summary>
/// Fréchet distance between Gaussians fitted to two feature sets, the FID of Heusel et al. 2017
/// ("GANs trained by a two time-scale update rule converge to a local Nash equilibrium", NeurIPS):
/// |mu_s - mu_r|² + tr(S_s) + tr(S_r) - 2 tr((S_s S_r)^½), as MONAI's <c>FIDMetric</c>: float64, covariances
/// with 1/(n-1), and where the matrix square root of the product is not finite, ε = 1e-6 added to both
/// covariances' diagonals and the root taken again. Only the trace of the root enters the distance, and
/// the principal root's trace is Σ √λ over the product's eigenvalues (MathNet's general eigensolver,
/// as scipy.linalg.sqrtm's Schur form gives), keeping the real part as MONAI does; like MONAI it fails
/// when the root has a large imaginary part.
/// </summary>
public static class FrechetDistance
{
    public const double Epsilon = 1e-6;

    /// <summary>FID between synthetic features (N, F) and real features (M, F).</summary>
    public static double Compute(Tensor synthetic, Tensor real) => Compute(ToMatrix(synthetic), ToMatrix(real));

    public static double Compute(Matrix<double> synthetic, Matrix<double> real)
    {
        if (synthetic.ColumnCount != real.ColumnCount)
            throw new ArgumentException($"FID: feature sizes differ, {synthetic.ColumnCount} vs {real.ColumnCount}");
        if (synthetic.RowCount < 2 || real.RowCount < 2)
            throw new ArgumentException($"FID needs at least two samples per set, got {synthetic.RowCount} synthetic and {real.RowCount} real");
        var (muS, sigmaS) = MeanAndCovariance(synthetic);
        var (muR, sigmaR) = MeanAndCovariance(real);
        var diff = muS - muR;

        double? trace = TraceOfSquareRoot(sigmaS * sigmaR);
        if (trace is null)
        {
            Console.Error.WriteLine($"braingen: FID: the covariance product is singular; adding {Epsilon} to the diagonals (as MONAI)");
            var offset = Matrix<double>.Build.DenseIdentity(sigmaS.RowCount) * Epsilon;
            trace = TraceOfSquareRoot((sigmaS + offset) * (sigmaR + offset))
                ?? throw new ArithmeticException("FID: the covariance product has no finite square root even after regularization");
        }
        return diff.DotProduct(diff) + sigmaS.Trace() + sigmaR.Trace() - 2 * trace.Value;
    }

    /// <summary>Mean (F) and unbiased covariance (F, F) of the rows.</summary>
    public static (Vector<double> Mean, Matrix<double> Covariance) MeanAndCovariance(Matrix<double> samples)
    {
        var mean = samples.ColumnSums() / samples.RowCount;
        var centred = samples.Clone();
        for (int r = 0; r < centred.RowCount; r++) centred.SetRow(r, centred.Row(r) - mean);
        return (mean, centred.TransposeThisAndMultiply(centred) / (samples.RowCount - 1));
    }

    // tr(A^½) from the eigenvalues of A; null where the root is not finite (MONAI then regularizes).
    private static double? TraceOfSquareRoot(Matrix<double> product)
    {
        var eigenvalues = product.Evd(Symmetricity.Asymmetric).EigenValues;
        double trace = 0, imaginary = 0;
        foreach (var lambda in eigenvalues)
        {
            if (!double.IsFinite(lambda.Real) || !double.IsFinite(lambda.Imaginary)) return null;
            var root = Complex.Sqrt(lambda);
            trace += root.Real;
            imaginary = Math.Max(imaginary, Math.Abs(root.Imaginary));
        }
        if (imaginary > 1e-3) throw new ArithmeticException($"FID: imaginary component {imaginary} too high");
        return trace;
    }

    internal static Matrix<double> ToMatrix(Tensor features)
    {
        if (features.Dim != 2) throw new ArgumentException($"FID: features must be (samples, features), got {features.Dim} dims");
        using var host = features.To(Device.CPU, DType.Float64).Contiguous();
        var data = host.ToArray<double>();
        int rows = (int)features.Size(0), cols = (int)features.Size(1);
        return Matrix<double>.Build.Dense(rows, cols, (r, c) => data[r * cols + c]);
    }
}
