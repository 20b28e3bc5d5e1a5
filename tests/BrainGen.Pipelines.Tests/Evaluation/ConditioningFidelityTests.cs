using BrainGen.Pipelines.Evaluation;
using MathNet.Numerics.LinearAlgebra;

namespace BrainGen.Pipelines.Tests.Evaluation;

/// <summary>The statistics behind the conditioning-fidelity rows and the pair sampling of the diversity rows.</summary>
public class ConditioningFidelityTests
{
    public static TheoryData<double[], double[], double?> PearsonCases() => new()
    {
        { [1, 2, 3, 4], [2, 4, 6, 8], 1.0 },
        { [1, 2, 3, 4], [8, 6, 4, 2], -1.0 },
        { [1, 2, 3, 4], [1, 3, 2, 4], 0.8 },        // Σ dadb = 4, Σ da² = Σ db² = 5: r = 4/5
        { [1, 2, 3], [5, 5, 5], null },            // a constant side: r undefined
        { [1, 2], [1, 2], null },                  // too few pairs
    };

    [Theory]
    [MemberData(nameof(PearsonCases))]
    public void PearsonR(double[] a, double[] b, double? expected)
    {
        var r = ConditioningFidelity.Pearson(a, b);
        if (expected is null) Assert.Null(r);
        else AssertClose.Equal(expected.Value, r!.Value, abs: 1e-12);
    }

    [Theory]
    [InlineData(new[] { "brain_volume_ml", "age" }, "brain_volume_ml", true)]
    [InlineData(new[] { "brain_vol", "gender" }, "brain_vol", false)]
    [InlineData(new[] { "age" }, null, false)]
    public void BrainVolumeCovariateIsMatchedByName(string[] present, string? expected, bool millilitres)
    {
        var image = new EvaluationImage("01", "x.nii.gz", present.ToDictionary(p => p, p => (string?)"0.5"));
        var name = ConditioningFidelity.MatchCovariate([image], ConditioningFidelity.BrainVolumeNames);
        Assert.Equal(expected, name);
        if (name is not null) Assert.Equal(millilitres, ConditioningFidelity.IsMillilitres(name));
    }

    [Fact]
    public void RidgeRecoversALinearTargetAndCrossValidates()
    {
        // y = 3·x0 - 2·x1 + 50 with 40 samples and 6 features (4 of them noise).
        var random = new Random(1);
        var x = Matrix<double>.Build.Dense(40, 6, (_, _) => random.NextDouble() * 10);
        var y = Vector<double>.Build.Dense(40, i => 3 * x[i, 0] - 2 * x[i, 1] + 50);
        var (model, lambda, cvMae) = RidgeRegression.FitWithCrossValidation(x, y, folds: 5, seed: 3);
        Assert.Equal(RidgeRegression.DefaultLambdas.Min(), lambda);  // noiseless: the least shrinkage wins
        Assert.InRange(cvMae, 0, 0.05);
        var test = Matrix<double>.Build.DenseOfRowArrays([5, 5, 1, 1, 1, 1], [0, 10, 9, 9, 9, 9]);
        var predicted = model.Predict(test);
        AssertClose.Equal(55, predicted[0], abs: 0.1);
        AssertClose.Equal(30, predicted[1], abs: 0.1);
        // More features than samples takes the dual form and still fits.
        var wide = Matrix<double>.Build.Dense(8, 30, (_, _) => random.NextDouble());
        var target = Vector<double>.Build.Dense(8, i => wide[i, 0] * 10);
        Assert.InRange(RidgeRegression.Fit(wide, target, 1e-6).Predict(wide).Subtract(target).AbsoluteMaximum(), 0, 1e-3);
    }

    [Theory]
    [InlineData(5, 100, 10)]
    [InlineData(50, 20, 20)]
    [InlineData(1, 10, 0)]
    public void PairsAreDistinctSeededAndCapped(int n, int max, int expected)
    {
        var pairs = Evaluator.Pairs(n, max, seed: 7);
        Assert.Equal(expected, pairs.Count);
        Assert.All(pairs, p => Assert.True(p.A < p.B && p.B < n));
        Assert.Equal(pairs.Count, pairs.Distinct().Count());
        Assert.Equal(pairs, Evaluator.Pairs(n, max, seed: 7));
        if (n * (n - 1) / 2 > max) Assert.NotEqual(pairs, Evaluator.Pairs(n, max, seed: 8));
    }
}
