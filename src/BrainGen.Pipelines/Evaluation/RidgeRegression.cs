using MathNet.Numerics.LinearAlgebra;

namespace BrainGen.Pipelines.Evaluation;

/// <summary>
/// Ridge regression (Hoerl and Kennard 1970) on standardized features: w = argmin |y - ȳ - Xw|² + λ|w|².
/// Solved in the dual, w = Xᵀ(XXᵀ + λI)⁻¹(y - ȳ), when there are more features than samples (image
/// features: hundreds to thousands per subject, tens to hundreds of subjects), else in the primal.
/// Used as the brain-age regressor of the conditioning-fidelity check (Pinaya et al. trained an age
/// predictor to test age conditioning).
/// </summary>
public sealed class RidgeRegression
{
    private readonly Vector<double> _mean, _scale, _weights;
    private readonly double _intercept;

    private RidgeRegression(Vector<double> mean, Vector<double> scale, Vector<double> weights, double intercept) =>
        (_mean, _scale, _weights, _intercept) = (mean, scale, weights, intercept);

    public static readonly double[] DefaultLambdas = [0.01, 0.1, 1, 10, 100, 1000, 10000];

    public static RidgeRegression Fit(Matrix<double> x, Vector<double> y, double lambda)
    {
        if (x.RowCount != y.Count) throw new ArgumentException($"ridge: {x.RowCount} feature rows but {y.Count} targets");
        if (x.RowCount < 2) throw new ArgumentException("ridge: needs at least two samples");
        var mean = x.ColumnSums() / x.RowCount;
        var scale = Vector<double>.Build.Dense(x.ColumnCount, c =>
        {
            var col = x.Column(c) - mean[c];
            double sd = Math.Sqrt(col.DotProduct(col) / x.RowCount);
            return sd > 1e-12 ? sd : 1;  // constant features stay 0 after centring
        });
        var z = Standardize(x, mean, scale);
        double intercept = y.Average();
        var t = y - intercept;
        Vector<double> w = z.ColumnCount > z.RowCount
            ? z.TransposeThisAndMultiply((z.TransposeAndMultiply(z) + Matrix<double>.Build.DenseIdentity(z.RowCount) * lambda).Solve(t))
            : (z.TransposeThisAndMultiply(z) + Matrix<double>.Build.DenseIdentity(z.ColumnCount) * lambda).Solve(z.TransposeThisAndMultiply(t));
        return new RidgeRegression(mean, scale, w, intercept);
    }

    public Vector<double> Predict(Matrix<double> x) => Standardize(x, _mean, _scale) * _weights + _intercept;

    /// <summary>
    /// λ chosen by k-fold cross-validated mean absolute error (folds from a seeded shuffle), then the
    /// model refit on every sample. The reported CV MAE is that of the chosen λ, so it is slightly
    /// optimistic (no nested CV).
    /// </summary>
    public static (RidgeRegression Model, double Lambda, double CrossValidatedMae) FitWithCrossValidation(
        Matrix<double> x, Vector<double> y, int folds = 5, int seed = 0, double[]? lambdas = null)
    {
        int n = x.RowCount;
        if (n < 3) throw new ArgumentException($"ridge cross-validation needs at least three samples, got {n}");
        folds = Math.Clamp(folds, 2, n);
        var order = Enumerable.Range(0, n).OrderBy(_ => 0).ToArray();
        new Random(seed).Shuffle(order);
        double bestMae = double.PositiveInfinity, bestLambda = double.NaN;
        foreach (var lambda in lambdas ?? DefaultLambdas)
        {
            double absSum = 0;
            for (int f = 0; f < folds; f++)
            {
                var test = order.Where((_, i) => i % folds == f).ToArray();
                var train = order.Where((_, i) => i % folds != f).ToArray();
                var model = Fit(Rows(x, train), Vector<double>.Build.DenseOfEnumerable(train.Select(i => y[i])), lambda);
                var predicted = model.Predict(Rows(x, test));
                for (int i = 0; i < test.Length; i++) absSum += Math.Abs(predicted[i] - y[test[i]]);
            }
            double mae = absSum / n;
            if (mae < bestMae) (bestMae, bestLambda) = (mae, lambda);
        }
        return (Fit(x, y, bestLambda), bestLambda, bestMae);
    }

    private static Matrix<double> Rows(Matrix<double> x, int[] rows) => Matrix<double>.Build.DenseOfRowVectors(rows.Select(x.Row));

    private static Matrix<double> Standardize(Matrix<double> x, Vector<double> mean, Vector<double> scale)
    {
        if (x.ColumnCount != mean.Count) throw new ArgumentException($"ridge: fitted on {mean.Count} features, given {x.ColumnCount}");
        return Matrix<double>.Build.Dense(x.RowCount, x.ColumnCount, (r, c) => (x[r, c] - mean[c]) / scale[c]);
    }
}
