using BrainGen.Models.Schedulers;
using BrainGen.Torch;
using BrainGen.Torch.Serialization;

namespace BrainGen.Models.Tests.Schedulers;

/// <summary>
/// Replays MONAI's sampling loops (tools/fixtures/make_scheduler_fixtures.py) with the same model
/// outputs and the same noise generator seed; every intermediate sample must match. The cosine
/// fixtures come from MONAI 1.5 (its fixed cosine schedule, MONAI#8427) and also hold β and ᾱ.
/// </summary>
public class SchedulerFixtureTests
{
    public static TheoryData<string> Fixtures => new()
    {
        "ddim_bundle", "ddim_v_eta", "ddim_sample_cosine", "ddim_eps_cosine_eta", "ddpm_linear", "ddpm_large_v_sigmoid", "ddpm_cosine_v",
        "rflow_discrete", "rflow_transform",
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void SamplingLoopMatchesMonai(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "schedulers", name + ".safetensors");
        using var file = SafeTensorsFile.Open(path);
        var meta = file.Metadata;
        using var scope = Torch.Torch.NewDisposeScope();
        Tensor Load(string key) => Tensor.FromHost(file.ToHostTensor(key));

        var scheduler = Build(meta);
        if (file.Contains("alphas_cumprod"))
        {
            var schedule = ((DiscreteScheduler)scheduler).Schedule;
            TensorAssert.Close(Load("betas"), Tensor.FromArray(schedule.Betas, [schedule.Length]), $"{name} betas");
            TensorAssert.Close(Load("alphas_cumprod"), Tensor.FromArray(schedule.AlphasCumprod, [schedule.Length]), $"{name} alphas_cumprod");
        }
        int steps = int.Parse(meta["steps"]);
        scheduler.SetTimesteps(steps);
        Assert.Equal(Load("timesteps").ToArray<double>(), scheduler.Timesteps.ToArray());

        using var noise = new Generator(ulong.Parse(meta["seed"]) + 1);
        var sample = Load("initial");
        for (int i = 0; i < steps; i++)
        {
            var step = scheduler.Step(Load($"model_output.{i}"), i, sample, noise);
            TensorAssert.Close(Load($"original.{i}"), step.PredictedOriginal, $"{name} original at step {i}");
            TensorAssert.Close(Load($"sample.{i}"), step.PreviousSample, $"{name} sample at step {i}");
            sample = step.PreviousSample;
        }

        var noisy = scheduler.AddNoise(Load("x0"), Load("noise"), Load("noise_timesteps"));
        TensorAssert.Close(Load("noisy"), noisy, $"{name} add_noise");
        if (file.Contains("velocity"))
            TensorAssert.Close(Load("velocity"), ((DiscreteScheduler)scheduler).Velocity(Load("x0"), Load("noise"), Load("noise_timesteps")), "velocity");
    }

    private static IScheduler Build(IReadOnlyDictionary<string, string> meta)
    {
        var prediction = meta.GetValueOrDefault("prediction") switch
        {
            "sample" => PredictionType.Sample,
            "v_prediction" => PredictionType.VPrediction,
            _ => PredictionType.Epsilon,
        };
        if (meta["scheduler"] == "rflow")
            return new RectifiedFlowScheduler(useDiscreteTimesteps: meta["discrete"] == "True", useTimestepTransform: meta["transform"] == "True")
            {
                ImageNumel = long.Parse(meta["image_numel"]),
            };

        var schedule = NoiseSchedule.Create(
            meta["schedule"] switch
            {
                "scaled_linear_beta" => BetaSchedule.ScaledLinearBeta,
                "sigmoid_beta" => BetaSchedule.SigmoidBeta,
                "cosine" => BetaSchedule.Cosine,
                _ => BetaSchedule.LinearBeta,
            },
            int.Parse(meta.GetValueOrDefault("train_timesteps", "1000")),
            double.Parse(meta.GetValueOrDefault("beta_start", "0.0001")),
            double.Parse(meta.GetValueOrDefault("beta_end", "0.02")));
        bool clip = meta["clip_sample"] == "True";
        if (meta["scheduler"] == "ddpm")
            return new DDPMScheduler(schedule, prediction, meta["variance"] == "fixed_large" ? DDPMVarianceType.FixedLarge : DDPMVarianceType.FixedSmall, clip);
        return new DDIMScheduler(schedule, prediction, clip, setAlphaToOne: meta.GetValueOrDefault("set_alpha_to_one", "True") == "True",
            stepsOffset: int.Parse(meta.GetValueOrDefault("steps_offset", "0")), eta: double.Parse(meta["eta"]));
    }
}
