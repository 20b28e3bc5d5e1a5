using BrainGen.Models.Sampling;
using BrainGen.Models.Schedulers;
using BrainGen.Torch;

namespace BrainGen.Models.Tests.Schedulers;

[Collection(nameof(SerialCollection))]  // reads Tensor.LiveCount, which is process-wide
public class DpmSolverSchedulerTests
{
    private static NoiseSchedule Bundle() => NoiseSchedule.Create(BetaSchedule.ScaledLinearBeta, 1000, 0.0015, 0.0205);

    private static Tensor ToyDenoiser(Tensor x, Tensor t, Tensor? rows) => x * 0.5 + t.Reshape(-1, 1, 1, 1) * 1e-3;

    [Fact]
    public void FinalStepLandsOnTheDataPrediction()
    {
        // σ = 0 at the end: the last update is x_θ itself, whatever the solver order.
        var scheduler = new DpmSolverMultistepScheduler(Bundle(), PredictionType.VPrediction);
        scheduler.SetTimesteps(5);
        using var scope = Torch.Torch.NewDisposeScope();
        using var g = new Generator(3);
        var x = Tensor.Randn([1, 2, 3, 3], g);
        SchedulerStep step = default;
        for (int i = 0; i < 5; i++)
        {
            step = scheduler.Step(x * 0.3, i, x);
            x = step.PreviousSample;
        }
        Assert.Equal(0f, scheduler.Sigmas[^1]);
        TensorAssert.Close(step.PredictedOriginal, step.PreviousSample, "last step", rtol: 0, atol: 0);
    }

    [Fact]
    public void OrderOneIsDdimBetweenTheSameTimesteps()
    {
        // DPM-Solver++1 is DDIM (η = 0): √ᾱ_prev x̂₀ + √(1−ᾱ_prev) ε̂ between the same two timesteps.
        var schedule = Bundle();
        var scheduler = new DpmSolverMultistepScheduler(schedule, solverOrder: 1, spacing: TimestepSpacing.Trailing);
        scheduler.SetTimesteps(4);
        using var scope = Torch.Torch.NewDisposeScope();
        using var g = new Generator(4);
        var x = Tensor.Randn([2, 1, 4, 4], g);
        var eps = Tensor.Randn([2, 1, 4, 4], g);
        var step = scheduler.Step(eps, 0, x);
        float a = schedule.AlphasCumprod[(int)scheduler.Timesteps[0]], aPrev = schedule.AlphasCumprod[(int)scheduler.Timesteps[1]];
        var original = (x - MathF.Sqrt(1 - a) * eps) / MathF.Sqrt(a);
        var ddim = MathF.Sqrt(aPrev) * original + MathF.Sqrt(1 - aPrev) * eps;
        TensorAssert.Close(ddim, step.PreviousSample, "DDIM step", rtol: 1e-4, atol: 1e-5);
    }

    [Fact]
    public void StepsRunInOrderAndStepZeroStartsAFreshRun()
    {
        var scheduler = new DpmSolverMultistepScheduler(Bundle());
        scheduler.SetTimesteps(6);
        using var scope = Torch.Torch.NewDisposeScope();
        var x = Tensor.Ones([1, 1, 2, 2]);
        float[] Run()
        {
            var y = x;
            for (int i = 0; i < 6; i++) y = scheduler.Step(y * 0.2, i, y).PreviousSample;
            return y.ToArray<float>();
        }
        var first = Run();
        Assert.Equal(first, Run());

        scheduler.Step(x, 0, x);
        var e = Assert.Throws<InvalidOperationException>(() => scheduler.Step(x, 2, x));
        Assert.Contains("step 2 follows step 0", e.Message);
    }

    [Fact]
    public void SamplingLeavesNoTensorsBehind()
    {
        var scheduler = new DpmSolverMultistepScheduler(Bundle());
        scheduler.SetTimesteps(8);
        float[] Run()
        {
            using var scope = Torch.Torch.NewDisposeScope();
            using var g = new Generator(5);
            var noise = Tensor.Randn([1, 1, 4, 4], g);
            return GuidedSampling.Sample(ToyDenoiser, scheduler, noise, null).ToArray<float>();
        }
        var first = Run();
        long live = Tensor.LiveCount;
        var second = Run();
        Assert.Equal(live, Tensor.LiveCount);
        Assert.Equal(first, second);
        Assert.All(first, v => Assert.True(float.IsFinite(v)));
    }

    public static TheoryData<TimestepSpacing, int, int, string> BadSchedules => new()
    {
        { TimestepSpacing.Linspace, 0, 1001, "steps must be in 1..1000" },
        { TimestepSpacing.Linspace, 0, 0, "steps must be in 1..1000" },
        { TimestepSpacing.Linspace, 0, 1000, "repeat timestep" },
        { TimestepSpacing.Leading, 0, 1000, "repeat timestep" },
        { TimestepSpacing.Leading, 1, 999, "timestep 1000 past the last training timestep 999" },
    };

    [Theory]
    [MemberData(nameof(BadSchedules))]
    public void SchedulesThatCannotBeSteppedAreRefused(TimestepSpacing spacing, int offset, int steps, string message)
    {
        var scheduler = new DpmSolverMultistepScheduler(Bundle(), spacing: spacing, stepsOffset: offset);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.SetTimesteps(steps));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void OnlyOrdersOneAndTwo()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DpmSolverMultistepScheduler(Bundle(), solverOrder: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DpmSolverMultistepScheduler(Bundle(), stepsOffset: -1));
    }
}
