using System.Globalization;
using BrainGen.Imaging;
using BrainGen.Pipelines.Training;

// Trainers seed the process-wide default generator before building their networks (initial weights
// come from it); a test class constructing any model on another thread at that moment would shift
// the draws, so this assembly runs its tests one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace BrainGen.Pipelines.Tests.Training;

/// <summary>Tiny BIDS cohorts written in the test (a blob brain per subject, 16³ at 4 mm) and configs small enough for 2 cores.</summary>
internal static class TrainingFixtures
{
    public static string WriteCohort(string root, int subjects = 3, bool withParticipants = true, string? missingAgeFor = null)
    {
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "dataset_description.json"), "{\"Name\": \"tiny\", \"BIDSVersion\": \"1.8.0\"}");
        var rows = new List<string> { "participant_id\tage\tsex" };
        for (int s = 1; s <= subjects; s++)
        {
            var label = s.ToString("D3", CultureInfo.InvariantCulture);
            var data = new float[16 * 16 * 16];
            double radius = 4 + s;  // each subject a different "brain" size
            for (int z = 0; z < 16; z++)
            for (int y = 0; y < 16; y++)
            for (int x = 0; x < 16; x++)
            {
                double r = Math.Sqrt((x - 7.5) * (x - 7.5) + (y - 7.5) * (y - 7.5) + (z - 7.5) * (z - 7.5));
                data[x + 16 * (y + 16 * z)] = (float)(r < radius ? 100 + 20 * Math.Sin(x + s) : 0);
            }
            var volume = new Volume([16, 16, 16], data, Affine.FromSpacing(4, 4, 4, -30, -30, -30));
            var anat = Path.Combine(root, $"sub-{label}", "anat");
            Directory.CreateDirectory(anat);
            Nifti.Write(Path.Combine(anat, $"sub-{label}_T1w.nii.gz"), volume);
            var age = label == missingAgeFor ? "n/a" : (50 + 7 * s).ToString(CultureInfo.InvariantCulture);
            rows.Add($"sub-{label}\t{age}\t{(s % 2 == 0 ? "F" : "M")}");
        }
        if (withParticipants) File.WriteAllLines(Path.Combine(root, "participants.tsv"), rows);
        return root;
    }

    public static OptimizationConfig Optimization(long steps) => new()
    {
        Steps = steps, BatchSize = 2, LearningRate = 1e-3, WarmupSteps = 2, GradClip = 1.0, EmaDecay = 0.9,
        CheckpointEvery = 2, KeepCheckpoints = 2, PreviewEvery = 100, LogEvery = 1,
    };

    public static AutoencoderRunConfig Autoencoder(string data, long steps) => new()
    {
        Seed = 3,
        Data = new DataConfig { Root = data, Preprocessing = new PreprocessingConfig { Spacing = [4, 4, 4], Shape = [16, 16, 16] } },
        Model = new AutoencoderModelConfig { Channels = [8, 16], NumResBlocks = [1, 1], AttentionLevels = [false, false], NormNumGroups = 8 },
        Loss = new AutoencoderLossConfig { AdvWarmupSteps = 2, Discriminator = new DiscriminatorConfig { Layers = 1, Channels = 8 } },
        Training = Optimization(steps),
    };

    public static DiffusionRunConfig Diffusion(string data, string autoencoder, long steps) => new()
    {
        Seed = 5, Autoencoder = autoencoder, Data = new DataConfig { Root = data }, SampleLatents = true,
        Conditioning = new ConditioningConfig { Covariates = ["age", "sex"], Dropout = 0.5 },
        Model = new UNetModelConfig { NumChannels = [16, 32], NumResBlocks = [1], AttentionLevels = [false, true], NumHeadChannels = [16], NormNumGroups = 8 },
        Training = Optimization(steps), PreviewSamplingSteps = 3,
    };

    /// <summary>Runs to the end, or stops after <paramref name="stopAfter"/> steps without saving (what a kill leaves behind).</summary>
    public static TrainingResult Run(Trainer trainer, bool resume, long? stopAfter = null)
    {
        using var cancel = new CancellationTokenSource();
        var progress = new Sync(p => { if (stopAfter is { } k && p.Step >= k && p.Message is null) cancel.Cancel(); });
        return trainer.Run(resume, progress, cancel.Token);
    }

    private sealed class Sync(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
