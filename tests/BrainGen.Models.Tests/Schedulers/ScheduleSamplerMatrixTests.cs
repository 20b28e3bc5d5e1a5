using BrainGen.Models.Sampling;
using BrainGen.Models.Schedulers;
using BrainGen.Torch;

namespace BrainGen.Models.Tests.Schedulers;

/// <summary>
/// Every noise schedule × sampler × prediction type gives finite samples, the same for the same seed,
/// over whole sampling loops (down to t = 0, where a schedule with ᾱ_0 = 1 divides 0 by 0).
/// </summary>
public class ScheduleSamplerMatrixTests
{
    private const int TrainTimesteps = 100;

    public static TheoryData<BetaSchedule, SamplerKind, PredictionType, int> Cases()
    {
        var cases = new TheoryData<BetaSchedule, SamplerKind, PredictionType, int>();
        foreach (var schedule in Enum.GetValues<BetaSchedule>())
            foreach (var prediction in Enum.GetValues<PredictionType>())
            {
                cases.Add(schedule, SamplerKind.Ddim, prediction, 10);
                cases.Add(schedule, SamplerKind.Ddim, prediction, TrainTimesteps);  // every timestep
                cases.Add(schedule, SamplerKind.Ddpm, prediction, TrainTimesteps);
            }
        // Rectified flow has no β schedule and predicts the velocity only.
        cases.Add(BetaSchedule.LinearBeta, SamplerKind.RectifiedFlow, PredictionType.VPrediction, 10);
        return cases;
    }

    // A fixed "network": a smooth function of the sample and the timestep, different at every step.
    private static Tensor ToyModel(Tensor x, Tensor t, Tensor? rows) => (x * 0.3).Sin() + t.Reshape(-1, 1, 1, 1) / (2.0 * TrainTimesteps);

    private static float[] Sample(BetaSchedule schedule, SamplerKind sampler, PredictionType prediction, int steps, ulong seed, double eta)
    {
        var config = new SchedulerConfig
        {
            NumTrainTimesteps = TrainTimesteps, Schedule = schedule, BetaStart = 1e-4, BetaEnd = 2e-2, PredictionType = prediction,
            RectifiedFlow = sampler == SamplerKind.RectifiedFlow,
        }.Validate();
        var scheduler = config.CreateSampler(sampler, eta, latentNumel: 3 * 4 * 4, spatialDims: 2);
        scheduler.SetTimesteps(steps);
        using var scope = Torch.Torch.NewDisposeScope();
        using var generator = new Generator(seed);
        var noise = Tensor.Randn([2, 3, 4, 4], generator);
        return GuidedSampling.Sample(ToyModel, scheduler, noise, null, generator: generator).ToArray<float>();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SamplesAreFiniteAndSeeded(BetaSchedule schedule, SamplerKind sampler, PredictionType prediction, int steps)
    {
        double eta = sampler == SamplerKind.Ddim ? 1 : 0;  // DDIM at its noisiest: the variance term matters
        var first = Sample(schedule, sampler, prediction, steps, seed: 7, eta);
        Assert.All(first, v => Assert.True(float.IsFinite(v), $"{schedule} {sampler} {prediction}: {v}"));
        Assert.Equal(first, Sample(schedule, sampler, prediction, steps, seed: 7, eta));
        Assert.NotEqual(first, Sample(schedule, sampler, prediction, steps, seed: 8, eta));
        if (sampler == SamplerKind.Ddim)
            Assert.All(Sample(schedule, sampler, prediction, steps, seed: 7, eta: 0), v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [InlineData(BetaSchedule.LinearBeta)]
    [InlineData(BetaSchedule.ScaledLinearBeta)]
    [InlineData(BetaSchedule.SigmoidBeta)]
    [InlineData(BetaSchedule.Cosine)]
    public void EveryScheduleKeepsBetaAndAlphaBarInsideTheOpenUnitInterval(BetaSchedule name)
    {
        foreach (int timesteps in new[] { 1, 10, 1000, 4000 })
        {
            var schedule = NoiseSchedule.Create(name, timesteps);
            Assert.All(schedule.Betas, b => Assert.True(b is > 0 and < 1, $"{name} T={timesteps}: beta {b}"));
            Assert.All(schedule.AlphasCumprod, a => Assert.True(a is > 0 and < 1, $"{name} T={timesteps}: alphas_cumprod {a}"));
            for (int t = 0; t < timesteps; t++)
            {
                // ᾱ is the running product of α = 1 − β (the cosine schedule included).
                float expected = t == 0 ? schedule.Alphas[0] : schedule.AlphasCumprod[t - 1] * schedule.Alphas[t];
                Assert.True(Math.Abs(schedule.AlphasCumprod[t] - expected) <= 1e-6 * expected + 1e-12, $"{name} T={timesteps} t={t}");
            }
        }
    }

    [Fact]
    public void CosineBetasFollowTheSquaredCosineAlphaBar()
    {
        // Nichol and Dhariwal 2021 eq. 17, as diffusers' betas_for_alpha_bar: β_t = min(1 − f((t+1)/T)/f(t/T), 0.999),
        // computed here in float64 (NoiseSchedule works in float32 as MONAI does).
        const int T = 1000;
        static double F(double t) => Math.Pow(Math.Cos((t + 0.008) / 1.008 * Math.PI / 2), 2);
        var schedule = NoiseSchedule.Create(BetaSchedule.Cosine, T);
        for (int t = 0; t < T; t++)
        {
            double expected = Math.Min(1 - F((t + 1.0) / T) / F((double)t / T), 0.999);
            Assert.True(Math.Abs(schedule.Betas[t] - expected) <= 2e-4 * expected + 1e-6, $"beta[{t}] = {schedule.Betas[t]}, expected {expected}");
        }
        Assert.True(schedule.AlphasCumprod[0] < 1);
    }

    [Theory]
    [InlineData(BetaSchedule.LinearBeta, 1000, 1e-4, 1.5, "beta_start and beta_end")]
    [InlineData(BetaSchedule.ScaledLinearBeta, 1000, 0.0, 0.02, "beta_start and beta_end")]
    [InlineData(BetaSchedule.SigmoidBeta, 1000, -0.1, 0.02, "beta_start and beta_end")]
    [InlineData(BetaSchedule.LinearBeta, 1000, double.NaN, 0.02, "beta_start and beta_end")]
    [InlineData(BetaSchedule.LinearBeta, 0, 1e-4, 0.02, "num_train_timesteps")]
    [InlineData(BetaSchedule.Cosine, NoiseSchedule.MaxTrainTimesteps + 1, 1e-4, 0.02, "num_train_timesteps")]
    [InlineData(BetaSchedule.LinearBeta, NoiseSchedule.MaxTrainTimesteps, 1e-4, 0.02, "alphas_cumprod")]  // ᾱ underflows float32 to 0
    public void SchedulesOutsideTheirValidRangeAreRefused(BetaSchedule schedule, int timesteps, double betaStart, double betaEnd, string message)
    {
        var config = new SchedulerConfig { Schedule = schedule, NumTrainTimesteps = timesteps, BetaStart = betaStart, BetaEnd = betaEnd };
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => config.Validate()).Message);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0000001)]
    [InlineData(1e9)]
    [InlineData(double.NaN)]
    public void DdimEtaOutsideZeroToOneIsRefused(double eta)
    {
        var schedule = NoiseSchedule.Create(BetaSchedule.LinearBeta, TrainTimesteps);
        Assert.Contains("eta must be in [0, 1]", Assert.Throws<ArgumentException>(() => new DDIMScheduler(schedule, eta: eta)).Message);
    }
}
