using BrainGen.Models.Schedulers;
using BrainGen.Torch;

namespace BrainGen.Models.Tests.Schedulers;

/// <summary>Values measured on MONAI with the brain-LDM bundle's schedule (reference doc §3.6).</summary>
public class SchedulerGoldenValueTests
{
    private static NoiseSchedule Bundle() => NoiseSchedule.Create(BetaSchedule.ScaledLinearBeta, 1000, 0.0015, 0.0205);

    [Fact]
    public void BundleScheduleValues()
    {
        var s = Bundle();
        AssertClose.Equal(0.0015, s.Betas[0], abs: 1e-7);
        AssertClose.Equal(0.0015081, s.Betas[1], abs: 1e-7);
        AssertClose.Equal(0.0082631, s.Betas[499], abs: 1e-7);
        AssertClose.Equal(0.0205, s.Betas[999], abs: 1e-7);
        AssertClose.Equal(0.9985, s.AlphasCumprod[0], abs: 1e-6);
        AssertClose.Equal(0.1085760, s.AlphasCumprod[499], abs: 1e-6);
        AssertClose.Equal(1.42899e-4, s.AlphasCumprod[980], abs: 1e-9);
        AssertClose.Equal(9.69109e-5, s.AlphasCumprod[999], abs: 1e-10);
        AssertClose.Equal(271.634, s.AlphasCumprod.Sum(a => (double)a), abs: 0.01);
    }

    [Theory]
    [InlineData(980, 1.19763196, 75.28900146)]
    [InlineData(500, 1.07573926, 2.75959444)]
    [InlineData(20, 1.00150263, 0.99837869)]
    [InlineData(0, 0.99687499, 0.99687499)]
    public void DdimStepOnUnitSample(int timestep, double expectedPrevious, double expectedOriginal)
    {
        var ddim = new DDIMScheduler(Bundle(), clipSample: false);
        ddim.SetTimesteps(50);
        int index = ddim.Timesteps.ToList().IndexOf(timestep);
        Assert.True(index >= 0, $"{timestep} is on the 50-step grid");
        using var scope = Torch.Torch.NewDisposeScope();
        var step = ddim.Step(Tensor.FromArray([0.1f]), index, Tensor.FromArray([1f]));
        AssertClose.Equal(expectedPrevious, step.PreviousSample.ToDouble(), rel: 1e-6);
        AssertClose.Equal(expectedOriginal, step.PredictedOriginal.ToDouble(), rel: 1e-6);
    }

    [Fact]
    public void DdpmAddNoiseOnUnitSample()
    {
        var ddpm = new DDPMScheduler(Bundle());
        using var scope = Torch.Torch.NewDisposeScope();
        var noisy = ddpm.AddNoise(Tensor.FromArray([1f]), Tensor.FromArray([1f]), Tensor.FromArray([500L]));
        AssertClose.Equal(1.27276993, noisy.ToDouble(), rel: 1e-6);
    }

    [Fact]
    public void BadStepCountsAreRejectedWithTheRange()
    {
        var ddim = new DDIMScheduler(Bundle());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ddim.SetTimesteps(1001));
        Assert.Contains("1..1000", e.Message);
    }
}
