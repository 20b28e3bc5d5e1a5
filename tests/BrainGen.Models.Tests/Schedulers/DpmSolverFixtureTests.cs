using BrainGen.Models.Schedulers;
using BrainGen.Torch;
using BrainGen.Torch.Serialization;

namespace BrainGen.Models.Tests.Schedulers;

/// <summary>
/// DPM-Solver++ against diffusers' own DPMSolverMultistepScheduler source
/// (tools/fixtures/make_dpm_solver_fixtures.py): the timesteps and sigmas of every spacing, and whole
/// trajectories of a linear "model" (0.7·x + (0.3·t/T)·basis) that C# replays step by step.
/// </summary>
public class DpmSolverFixtureTests
{
    private const int TrainTimesteps = 1000;

    private static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "schedulers", name + ".safetensors");

    private static NoiseSchedule Schedule(string name) => name == "linear"
        ? NoiseSchedule.Create(BetaSchedule.LinearBeta, TrainTimesteps, 1e-4, 2e-2)
        : NoiseSchedule.Create(BetaSchedule.ScaledLinearBeta, TrainTimesteps, 0.0015, 0.0205);

    private static TimestepSpacing Spacing(string name) => name switch
    {
        "linspace" => TimestepSpacing.Linspace,
        "leading" => TimestepSpacing.Leading,
        "trailing" => TimestepSpacing.Trailing,
        _ => throw new ArgumentException($"unknown spacing {name}"),
    };

    public static TheoryData<string, int, int> SpacingCases()
    {
        using var file = SafeTensorsFile.Open(FixturePath("dpm_timesteps"));
        var data = new TheoryData<string, int, int>();
        foreach (var spacing in file.Metadata["spacings"].Split(','))
        foreach (var steps in file.Metadata["step_counts"].Split(',').Select(int.Parse))
            data.Add(spacing[..^1], spacing[^1] - '0', steps);
        return data;
    }

    [Theory]
    [MemberData(nameof(SpacingCases))]
    public void TimestepsAndSigmasMatchDiffusers(string spacing, int offset, int steps)
    {
        using var file = SafeTensorsFile.Open(FixturePath("dpm_timesteps"));
        using var scope = Torch.Torch.NewDisposeScope();
        string key = $"{spacing}{offset}.{steps}";
        var diffusers = Tensor.FromHost(file.ToHostTensor($"timesteps.{key}")).ToArray<long>();
        // numpy's float arange gives diffusers' trailing spacing one timestep too many at some n (a
        // final −1, e.g. n = 61): the n asked for are the same.
        bool extra = diffusers.Length == steps + 1;
        if (extra)
        {
            Assert.Equal(TimestepSpacing.Trailing, Spacing(spacing));
            Assert.Equal(-1, diffusers[^1]);
        }
        var expected = extra ? diffusers[..^1] : diffusers;
        foreach (var schedule in new[] { "linear", "scaled_linear" })
        {
            var scheduler = new DpmSolverMultistepScheduler(Schedule(schedule), spacing: Spacing(spacing), stepsOffset: offset);
            if (expected.Max() >= TrainTimesteps)
            {
                // diffusers steps from a timestep past the schedule (np.interp clamps its sigma): refused here.
                var e = Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.SetTimesteps(steps));
                Assert.Contains($"timestep {expected.Max()} past the last training timestep", e.Message);
                continue;
            }
            scheduler.SetTimesteps(steps);
            var sigmas = Tensor.FromHost(file.ToHostTensor($"sigmas.{schedule}.{key}"));
            if (extra) sigmas = Tensor.Cat([sigmas.Slice(0, 0, steps), sigmas.Slice(0, steps + 1, steps + 2)]);
            Assert.Equal(expected, scheduler.Timesteps.Select(t => (long)t).ToArray());
            TensorAssert.Close(sigmas, Tensor.FromArray(scheduler.Sigmas.ToArray()), $"{key} {schedule} sigmas", rtol: 1e-6, atol: 0);
        }
    }

    public static TheoryData<string> Trajectories => new()
    {
        "linear_epsilon_linspace_10", "linear_sample_leading_20", "linear_v_trailing_25", "scaled_epsilon_trailing_20",
        "scaled_sample_linspace_25", "scaled_v_leading_10", "scaled_epsilon_order1_linspace_10", "linear_v_no_lower_final_linspace_8",
        "scaled_epsilon_linspace_2",
    };

    [Theory]
    [MemberData(nameof(Trajectories))]
    public void TrajectoryMatchesDiffusers(string name)
    {
        using var file = SafeTensorsFile.Open(FixturePath("dpm_" + name));
        var meta = file.Metadata;
        using var scope = Torch.Torch.NewDisposeScope();
        Tensor Load(string key) => Tensor.FromHost(file.ToHostTensor(key));

        var prediction = meta["prediction"] switch
        {
            "epsilon" => PredictionType.Epsilon,
            "sample" => PredictionType.Sample,
            _ => PredictionType.VPrediction,
        };
        // lower_order_final changes nothing at orders 1-2 when the last sigma is 0 (see the scheduler's
        // remarks): the case recorded without it replays on the same scheduler.
        var scheduler = new DpmSolverMultistepScheduler(Schedule(meta["schedule"]), prediction, int.Parse(meta["solver_order"]),
            Spacing(meta["spacing"]), int.Parse(meta["steps_offset"]));
        int steps = int.Parse(meta["steps"]);
        scheduler.SetTimesteps(steps);
        Assert.Equal(Load("timesteps").ToArray<long>(), scheduler.Timesteps.Select(t => (long)t).ToArray());
        TensorAssert.Close(Load("sigmas"), Tensor.FromArray(scheduler.Sigmas.ToArray()), $"{name} sigmas", rtol: 1e-6, atol: 0);

        var basis = Load("basis");
        var sample = Load("initial");
        for (int i = 0; i < steps; i++)
        {
            double t = scheduler.Timesteps[i];
            var output = sample * 0.7 + basis * (0.3 * t / TrainTimesteps);
            TensorAssert.Close(Load($"model_output.{i}"), output, $"{name} model output at step {i}", rtol: 1e-5, atol: 1e-5);
            var step = scheduler.Step(output, i, sample);
            TensorAssert.Close(Load($"original.{i}"), step.PredictedOriginal, $"{name} x0 at step {i}", rtol: 1e-5, atol: 1e-5);
            TensorAssert.Close(Load($"sample.{i}"), step.PreviousSample, $"{name} sample at step {i}", rtol: 1e-5, atol: 1e-5);
            sample = step.PreviousSample;
        }
    }
}
