using BrainGen.Pipelines.Training;
using BrainGen.Torch;

namespace BrainGen.Pipelines.Tests.Training;

/// <summary>A NaN/Inf loss or weight stops training naming the step, with no checkpoint and no export; bad numbers are refused up front.</summary>
public class NonFiniteTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("braingen-nonfinite-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The shared loop with a scripted stage: losses and checkpointed weights go bad at chosen steps.</summary>
    private sealed class ScriptedTrainer(string run, OptimizationConfig optimization, Func<long, double> loss, Func<long, float> weight)
        : Trainer(run, optimization, 1, Device.CPU)
    {
        private long _step;
        public int Exports { get; private set; }

        protected override string Title => "scripted";
        protected override IReadOnlyList<string> LossTerms => ["mse"];

        protected override double[] TrainStep(long step, double learningRate)
        {
            _step = step + 1;
            return [loss(_step)];
        }

        protected override Dictionary<string, Dictionary<string, HostTensor>> CheckpointTensors()
        {
            using var w = Tensor.FromArray([1f, weight(_step)], [2]);
            return new() { ["model.safetensors"] = new() { ["layer.weight"] = w.ToHost() } };
        }

        protected override void LoadCheckpoint(string dir) { }
        protected override void WritePreview(long step) { }

        protected override string Export()
        {
            Exports++;
            var folder = Path.Combine(RunFolder, "model");
            Directory.CreateDirectory(folder);
            return folder;
        }
    }

    private static OptimizationConfig Optimization => new() { Steps = 6, WarmupSteps = 0, CheckpointEvery = 2, PreviewEvery = 100, LogEvery = 1 };

    public static TheoryData<double> BadLosses => new() { double.NaN, double.PositiveInfinity, double.NegativeInfinity };

    [Theory]
    [MemberData(nameof(BadLosses))]
    public void ANonFiniteLossStopsAtItsStepAndExportsNothing(double bad)
    {
        var run = Path.Combine(_dir, "run");
        using var trainer = new ScriptedTrainer(run, Optimization, step => step == 3 ? bad : 1.0 / step, _ => 0.5f);
        var e = Assert.Throws<InvalidDataException>(() => trainer.Run(resume: false));
        Assert.Contains("step 3/6", e.Message);
        Assert.Contains("mse loss", e.Message);
        Assert.Equal(0, trainer.Exports);
        Assert.False(Directory.Exists(Path.Combine(run, "model")));
        Assert.False(Directory.Exists(Path.Combine(run, "checkpoints", "step-4")));  // only the step-2 checkpoint, from before
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "step-2", "COMPLETE")));
    }

    [Fact]
    public void NonFiniteWeightsAtACheckpointStopBeforeItIsWrittenAndExportNothing()
    {
        var run = Path.Combine(_dir, "run");
        // The loss stays finite but the last update diverged: the final checkpoint must catch it.
        using var trainer = new ScriptedTrainer(run, Optimization, _ => 0.1, step => step == 6 ? float.NaN : 0.5f);
        var e = Assert.Throws<InvalidDataException>(() => trainer.Run(resume: false));
        Assert.Contains("step 6/6", e.Message);
        Assert.Contains("'layer.weight'", e.Message);
        Assert.Equal(0, trainer.Exports);
        Assert.False(Directory.Exists(Path.Combine(run, "checkpoints", "step-6")));
    }

    [Fact]
    public void FiniteRunsStillExport()
    {
        using var trainer = new ScriptedTrainer(Path.Combine(_dir, "run"), Optimization, step => 1.0 / step, _ => 0.5f);
        Assert.False(trainer.Run(resume: false).Stopped);
        Assert.Equal(1, trainer.Exports);
    }

    [Theory]
    [InlineData("training.learning_rate=1e8", "training.learning_rate must be in (0, 1]")]
    [InlineData("training.learning_rate=0", "training.learning_rate")]
    [InlineData("training.learning_rate=.nan", "training.learning_rate")]
    [InlineData("training.min_learning_rate=0.5", "training.min_learning_rate")]
    [InlineData("training.ema_decay=.nan", "training.ema_decay")]
    [InlineData("training.ema_decay=1", "training.ema_decay")]
    [InlineData("training.weight_decay=-1", "training.weight_decay")]
    [InlineData("training.grad_clip=.inf", "training.grad_clip")]
    [InlineData("loss.kl_weight=-1", "loss.kl_weight")]
    [InlineData("loss.perceptual_weight=.nan", "loss.perceptual_weight")]
    [InlineData("loss.discriminator.learning_rate=1e8", "loss.discriminator.learning_rate")]
    [InlineData("data.augmentation.flip_probability=2", "data.augmentation.flip_probability")]
    [InlineData("data.augmentation.intensity_scale=1", "data.augmentation.intensity_scale")]
    [InlineData("data.preprocessing.percentile_high=150", "percentile_high")]
    public void AutoencoderNumbersOutsideTheirRangeAreRefused(string setting, string message)
    {
        var config = TrainingConfigFile.Load<AutoencoderRunConfig>(null, [setting, "data.root=/x"]);
        var e = Assert.Throws<InvalidDataException>(() => config.Validate("ae.yaml"));
        Assert.Contains(message, e.Message);
        Assert.StartsWith("ae.yaml", e.Message);
    }

    [Theory]
    [InlineData("training.learning_rate=1e8", "training.learning_rate")]
    [InlineData("conditioning.dropout=.nan", "conditioning.dropout")]
    [InlineData("conditioning.dropout=1.5", "conditioning.dropout")]
    [InlineData("conditioning.null_value=0.5", "conditioning.null_value")]
    [InlineData("conditioning.null_value=.nan", "conditioning.null_value")]
    [InlineData("noise.beta_end=1.5", "beta_start and beta_end must lie in (0, 1)")]
    [InlineData("noise.beta_start=0", "beta_start and beta_end must lie in (0, 1)")]
    [InlineData("noise.num_train_timesteps=0", "num_train_timesteps")]
    public void DiffusionNumbersOutsideTheirRangeAreRefused(string setting, string message)
    {
        var config = TrainingConfigFile.Load<DiffusionRunConfig>(null, [setting, "data.root=/x", "autoencoder=/y"]);
        var e = Assert.Throws<InvalidDataException>(() => config.Validate("ldm.yaml"));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void TheDefaultsAreValid()
    {
        TrainingConfigFile.Load<AutoencoderRunConfig>(null, ["data.root=/x"]).Validate("ae.yaml");
        TrainingConfigFile.Load<DiffusionRunConfig>(null, ["data.root=/x", "autoencoder=/y", "noise.schedule=cosine"]).Validate("ldm.yaml");
    }
}
