using BrainGen.Pipelines.Generation;
using BrainGen.Pipelines.Training;

namespace BrainGen.Pipelines.Tests.Training;

/// <summary>
/// A run stopped without a final save (as a kill leaves it) and resumed ends with the same bytes as
/// a run never stopped: weights, optimizer moments, EMA, discriminator, and the exported model.
/// </summary>
public class ResumeDeterminismTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "braingen-train-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static readonly string[] AutoencoderFiles =
        ["model.safetensors", "optimizer.safetensors", "ema.safetensors", "discriminator.safetensors", "discriminator_optimizer.safetensors"];

    [Fact]
    public void AutoencoderKilledAndResumedEndsBitIdenticalToAStraightRun()
    {
        var data = TrainingFixtures.WriteCohort(Path.Combine(_dir, "bids"));
        var config = TrainingFixtures.Autoencoder(data, steps: 6);
        var straight = Path.Combine(_dir, "straight");
        using (var t = new AutoencoderTrainer(config, straight)) Assert.False(TrainingFixtures.Run(t, resume: false).Stopped);

        var killed = Path.Combine(_dir, "killed");
        using (var t = new AutoencoderTrainer(config, killed))
        {
            var stopped = TrainingFixtures.Run(t, resume: false, stopAfter: 5);
            Assert.True(stopped.Stopped);
            Assert.Equal(5, stopped.Step);
        }
        Assert.False(Directory.Exists(Path.Combine(killed, "autoencoder")));
        Assert.True(File.Exists(Path.Combine(killed, "checkpoints", "step-4", CheckpointStore.Marker)));
        using (var t = new AutoencoderTrainer(config, killed))
        {
            var resumed = TrainingFixtures.Run(t, resume: true);
            Assert.Equal(4, resumed.ResumedFrom);
            Assert.Equal(6, resumed.Step);
        }
        foreach (var file in AutoencoderFiles)
            Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "checkpoints", "step-6", file)), File.ReadAllBytes(Path.Combine(killed, "checkpoints", "step-6", file)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "autoencoder", "autoencoder.safetensors")),
                     File.ReadAllBytes(Path.Combine(killed, "autoencoder", "autoencoder.safetensors")));
        // Steps 5 (logged before the kill) and 6 appear once each in the resumed log.
        Assert.Equal(File.ReadAllLines(Path.Combine(straight, "loss.csv")).Select(l => l.Split(',')[0]),
                     File.ReadAllLines(Path.Combine(killed, "loss.csv")).Select(l => l.Split(',')[0]));
        Assert.True(File.Exists(Path.Combine(killed, "loss.png")));

        // A different seed gives different weights: the comparison above can fail.
        var other = Path.Combine(_dir, "other");
        using (var t = new AutoencoderTrainer(config with { Seed = 4 }, other)) TrainingFixtures.Run(t, resume: false);
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(straight, "checkpoints", "step-6", "model.safetensors")),
                        File.ReadAllBytes(Path.Combine(other, "checkpoints", "step-6", "model.safetensors")));
    }

    [Fact]
    public void DiffusionKilledAndResumedEndsBitIdenticalAndExportsALoadableModel()
    {
        var data = TrainingFixtures.WriteCohort(Path.Combine(_dir, "bids"));
        var stage1 = Path.Combine(_dir, "stage1");
        using (var t = new AutoencoderTrainer(TrainingFixtures.Autoencoder(data, steps: 2) with { Loss = new AutoencoderLossConfig { AdversarialWeight = 0 } }, stage1))
            TrainingFixtures.Run(t, resume: false);

        var config = TrainingFixtures.Diffusion(data, stage1, steps: 6);
        var straight = Path.Combine(_dir, "straight");
        double scale;
        using (var t = new DiffusionTrainer(config, straight))
        {
            Assert.False(t.LatentsReused);
            scale = t.ScaleFactor;
            TrainingFixtures.Run(t, resume: false);
        }
        var killed = Path.Combine(_dir, "killed");
        using (var t = new DiffusionTrainer(config, killed)) Assert.True(TrainingFixtures.Run(t, resume: false, stopAfter: 3).Stopped);
        using (var t = new DiffusionTrainer(config, killed))
        {
            Assert.True(t.LatentsReused);  // encoded once, read back on resume
            Assert.Equal(2, TrainingFixtures.Run(t, resume: true).ResumedFrom);
        }
        foreach (var file in new[] { "model.safetensors", "optimizer.safetensors", "ema.safetensors" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "checkpoints", "step-6", file)), File.ReadAllBytes(Path.Combine(killed, "checkpoints", "step-6", file)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "model", "unet.safetensors")), File.ReadAllBytes(Path.Combine(killed, "model", "unet.safetensors")));

        using var model = LatentDiffusionModel.Load(Path.Combine(straight, "model"));
        Assert.Equal(scale, model.Config.ScaleFactor);
        Assert.Equal(["age", "sex"], model.Conditioning.Covariates.Select(c => c.Name));
        Assert.Equal((57.0, 71.0), (model.Conditioning.Covariates[0].Min, model.Conditioning.Covariates[0].Max));
        Assert.Equal(["F", "M"], model.Conditioning.Covariates[1].Categories);
        Assert.Equal([16, 16, 16], model.Config.Image.Shape);
        Assert.Equal(2, model.Config.UNet.CrossAttentionDim);
        Assert.NotNull(AutoencoderArtifact.ReadPreprocessing(Path.Combine(straight, "model")));
    }
    [Fact]
    public void Bf16AutocastTrainsBothStagesWithFiniteLosses()
    {
        var data = TrainingFixtures.WriteCohort(Path.Combine(_dir, "bids"));
        var ae = TrainingFixtures.Autoencoder(data, steps: 2);
        var stage1 = Path.Combine(_dir, "stage1");
        ae = ae with { Loss = ae.Loss with { AdvWarmupSteps = 0 }, Training = ae.Training with { Bf16 = true, WarmupSteps = 0 } };
        using (var t = new AutoencoderTrainer(ae, stage1)) TrainingFixtures.Run(t, resume: false);
        var ldm = TrainingFixtures.Diffusion(data, stage1, steps: 2);
        using (var t = new DiffusionTrainer(ldm with { Training = ldm.Training with { Bf16 = true, WarmupSteps = 0 } }, Path.Combine(_dir, "stage2")))
            TrainingFixtures.Run(t, resume: false);
        foreach (var log in new[] { Path.Combine(stage1, "loss.csv"), Path.Combine(_dir, "stage2", "loss.csv") })
        {
            var rows = File.ReadAllLines(log).Skip(1).Select(l => l.Split(',').Skip(2).Select(double.Parse).ToArray()).ToList();
            Assert.Equal(2, rows.Count);
            Assert.All(rows, r => Assert.True(r.All(double.IsFinite) && r[0] > 0));
        }
        Assert.True(File.ReadAllLines(Path.Combine(stage1, "loss.csv")).Skip(1).All(l => double.Parse(l.Split(',')[^1]) > 0));  // discriminator ran
    }
}
