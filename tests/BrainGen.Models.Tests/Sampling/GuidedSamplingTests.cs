using BrainGen.Models.Conditioning;
using BrainGen.Models.Sampling;
using BrainGen.Models.Schedulers;
using BrainGen.Torch;

namespace BrainGen.Models.Tests.Sampling;

[Collection(nameof(SerialCollection))]  // reads Tensor.LiveCount, which is process-wide
public class GuidedSamplingTests
{
    // ε = 0.1·x + mean(covariates) per sample: conditional and unconditional outputs differ by a known amount.
    private static Tensor ToyDenoiser(Tensor x, Tensor t, Tensor? rows)
    {
        var shift = rows is null ? Tensor.Zeros([x.Size(0)]) : rows.Mean(1);
        return x * 0.1 + shift.Reshape(-1, 1, 1, 1);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(3.0)]
    public void GuidanceCombinesConditionalAndUnconditional(double scale)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var x = Tensor.Ones([2, 1, 2, 2]);
        var rows = Tensor.FromArray([0.2f, 0.4f, 0.6f, 0.8f], [2, 2]);
        var eps = GuidedSampling.Predict(ToyDenoiser, x, 10, rows, scale);
        // conditional shift = row mean (0.3, 0.7); unconditional = −1.
        double[] expected = [0.1 + -1 + scale * (0.3 - -1), 0.1 + -1 + scale * (0.7 - -1)];
        var values = eps.ToArray<float>();
        AssertClose.Equal(expected[0], values[0], abs: 1e-6, rel: 1e-5);
        AssertClose.Equal(expected[1], values[4], abs: 1e-6, rel: 1e-5);
    }

    [Fact]
    public void SamplingLeavesNoTensorsBehindAndIsSeeded()
    {
        var ddim = new DDIMScheduler(NoiseSchedule.Create(BetaSchedule.LinearBeta, 100), clipSample: false, eta: 1);
        ddim.SetTimesteps(10);
        float[] Run()
        {
            using var scope = Torch.Torch.NewDisposeScope();
            using var g = new Generator(5);
            var noise = Tensor.Randn([1, 1, 4, 4], g);
            var rows = Tensor.FromArray([0.5f, 0.25f], [1, 2]);
            return GuidedSampling.Sample(ToyDenoiser, ddim, noise, rows, 2.0, generator: g).ToArray<float>();
        }
        var first = Run();
        long live = Tensor.LiveCount;
        var second = Run();
        Assert.Equal(live, Tensor.LiveCount);
        Assert.Equal(first, second);
    }

    [Fact]
    public void CovariatesNormalizeAndRejectUnknownValues()
    {
        var spec = new ConditioningSpec
        {
            Covariates =
            [
                new Covariate { Name = "sex", Categories = ["F", "M"] },
                new Covariate { Name = "age", Min = 40, Max = 80, Unit = "years" },
            ],
        };
        var row = spec.NormalizeRow(new Dictionary<string, string> { ["Sex"] = "m", ["age"] = "72" });
        Assert.Equal([1.0, 0.8], row.Values);
        Assert.Equal([true, true], row.Given);
        var sexOnly = spec.NormalizeRow(new Dictionary<string, string> { ["sex"] = "F" });
        Assert.Equal([0.0, -1], sexOnly.Values);
        Assert.Equal([true, false], sexOnly.Given);
        Assert.Contains("not one of F, M", Assert.Throws<ArgumentException>(() => spec.NormalizeRow(new Dictionary<string, string> { ["sex"] = "x" })).Message);
        Assert.Contains("has no covariate 'height'", Assert.Throws<ArgumentException>(() => spec.NormalizeRow(new Dictionary<string, string> { ["height"] = "1" })).Message);
    }
}
