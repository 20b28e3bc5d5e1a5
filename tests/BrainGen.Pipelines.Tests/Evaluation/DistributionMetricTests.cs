using BrainGen.Pipelines.Evaluation;
using BrainGen.Torch;

namespace BrainGen.Pipelines.Tests.Evaluation;

/// <summary>
/// FID and MMD against MONAI 1.5. FID is float64 in MONAI (scipy sqrtm) and here (MathNet
/// eigenvalues): 1e-9 relative. MMD is float32 in both: 1e-5 relative.
/// </summary>
public class DistributionMetricTests
{
    public static TheoryData<string> FidCases() => new() { "fid_full", "fid_rank_deficient" };
    public static TheoryData<string> MmdCases() => new() { "mmd_features", "mmd_volumes" };

    [Theory]
    [MemberData(nameof(FidCases))]
    public void FidMatchesMonai(string name)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        double fid = FrechetDistance.Compute(MetricFixtures.Get($"{name}.synthetic"), MetricFixtures.Get($"{name}.real"));
        MetricFixtures.Close(MetricFixtures.Expected(name)[0], fid, 1e-9, 0, name);
    }

    [Theory]
    [MemberData(nameof(MmdCases))]
    public void MmdMatchesMonai(string name)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        double mmd = MaximumMeanDiscrepancy.Compute(MetricFixtures.Get($"{name}.real"), MetricFixtures.Get($"{name}.synthetic"));
        MetricFixtures.Close(MetricFixtures.Expected(name)[0], mmd, 1e-5, 0, name);
    }

    [Fact]
    public void SameSetsAreAtZeroDistance()
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var real = MetricFixtures.Get("fid_full.real");
        AssertClose.Equal(0, FrechetDistance.Compute(real, real), abs: 1e-8);
        var shifted = real + 1.0;
        // Shifting every feature by 1 moves the mean by 1 per feature and leaves the covariance: FID = F.
        AssertClose.Equal(real.Size(1), FrechetDistance.Compute(shifted, real), abs: 1e-8);
    }

    [Fact]
    public void TooFewSamplesAreRefused()
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var one = Tensor.Rand([1, 4]);
        var many = Tensor.Rand([5, 4]);
        Assert.Contains("at least two samples", Assert.Throws<ArgumentException>(() => FrechetDistance.Compute(one, many)).Message);
        Assert.Contains("at least two samples", Assert.Throws<ArgumentException>(() => MaximumMeanDiscrepancy.Compute(many, one)).Message);
    }
}
