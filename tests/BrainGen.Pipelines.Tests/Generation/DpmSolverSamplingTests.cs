using BrainGen.Models.Sampling;
using BrainGen.Models.Schedulers;
using BrainGen.Pipelines.Generation;
using BrainGen.Torch;

namespace BrainGen.Pipelines.Tests.Generation;

/// <summary>DPM-Solver++ on the tiny MONAI bundle, through the loop `braingen generate` runs.</summary>
public class DpmSolverSamplingTests
{
    private static readonly string Bundle = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny_bundle");

    [Theory]
    [InlineData(1, 1.0)]
    [InlineData(7, 1.0)]
    [InlineData(10, 3.0)]  // guidance: conditional and unconditional share one batched call per step
    public void NStepsCallTheDenoiserNTimesAtTheSchedulersTimesteps(int steps, double guidance)
    {
        var description = MonaiBundle.Read(Bundle);
        using var model = MonaiBundle.Load(Bundle, description);
        var row = description.Model.Conditioning.Covariates.Select(c => (float)description.Defaults[c.Name]).ToArray();
        var scheduler = model.Config.Scheduler.CreateSampler(SamplerKind.DpmSolver);
        Assert.IsType<DpmSolverMultistepScheduler>(scheduler);
        scheduler.SetTimesteps(steps);

        var denoiser = model.Denoiser();
        var seen = new List<double[]>();
        Tensor Counting(Tensor x, Tensor t, Tensor? c)
        {
            seen.Add(t.To(DType.Float64).ToArray<double>());
            return denoiser(x, t, c);
        }
        using var scope = Torch.Torch.NewDisposeScope();
        using var g = new Generator(21);
        var noise = Tensor.Randn(model.LatentShape, g);
        var rows = Tensor.FromArray(row, [1, row.Length]);
        var latents = GuidedSampling.Sample(Counting, scheduler, noise, rows, guidance, model.Conditioning.NullValue);

        Assert.Equal(steps, seen.Count);
        Assert.Equal(scheduler.Timesteps, seen.Select(t => t.Distinct().Single()).ToArray());
        Assert.Equal(999, scheduler.Timesteps[0]);  // linspace spacing starts at the noisiest timestep
        Assert.All(latents.ToArray<float>(), v => Assert.True(float.IsFinite(v)));
    }
}
