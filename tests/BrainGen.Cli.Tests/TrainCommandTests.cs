using System.Diagnostics;
using BrainGen.Imaging;
using BrainGen.Pipelines.Generation;
using BrainGen.Pipelines.Training;

namespace BrainGen.Cli.Tests;

/// <summary>
/// `braingen train` end to end on a small phantom cohort: stage 1 (one run killed with SIGKILL in a
/// child process and resumed must equal an uninterrupted run byte for byte), stage 2, then
/// `braingen generate --model` on the exported folder and `braingen evaluate` on what it produced.
/// </summary>
public class TrainCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "braingen-train-cli", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private const string AutoencoderYaml = """
        seed: 1
        data:
          preprocessing: {spacing: [4, 4, 4], shape: [32, 32, 32]}
        model: {channels: [8, 16], num_res_blocks: [1, 1], attention_levels: [false, false], norm_num_groups: 8}
        loss: {adv_warmup_steps: 6, discriminator: {layers: 2, channels: 8}}
        training: {steps: 16, batch_size: 2, learning_rate: 0.001, warmup_steps: 2, checkpoint_every: 4, preview_every: 8, log_every: 1, ema_decay: 0.9}
        """;

    private const string DiffusionYaml = """
        seed: 2
        name: phantom-ldm
        conditioning: {covariates: [age, sex, brain_volume_ml, ventricle_volume_ml], dropout: 0.2}
        model: {num_channels: [16, 32], num_res_blocks: [1], attention_levels: [false, true], num_head_channels: [16], norm_num_groups: 8}
        training: {steps: 16, batch_size: 2, learning_rate: 0.001, warmup_steps: 2, checkpoint_every: 8, preview_every: 16, log_every: 4, ema_decay: 0.9}
        preview_sampling_steps: 5
        """;

    [Fact]
    public void PhantomToAutoencoderKilledAndResumedToDiffusionToGenerate()
    {
        var bids = Path.Combine(_dir, "bids");
        Assert.Equal(0, CliRunner.Run("phantom", "-o", bids, "-n", "4", "--resolution", "4", "--modalities", "t1w", "--no-maps").Code);
        File.WriteAllText(Path.Combine(_dir, "ae.yaml"), AutoencoderYaml);
        File.WriteAllText(Path.Combine(_dir, "ldm.yaml"), DiffusionYaml);

        var straight = Path.Combine(_dir, "ae-straight");
        var (code, output, err) = CliRunner.Run("train", "autoencoder", "-c", Path.Combine(_dir, "ae.yaml"), "--data", bids, "-o", straight);
        Assert.True(code == 0, err);
        Assert.Contains("step 16/16", output);
        Assert.Contains("samples/s", output);
        Assert.Contains("ETA", output);
        foreach (var file in new[] { "config.yaml", "loss.csv", "loss.png", "previews/step-000008.png", "checkpoints/step-16/COMPLETE", "autoencoder/autoencoder.safetensors" })
            Assert.True(File.Exists(Path.Combine(straight, file)), file);
        Assert.Equal(17, File.ReadAllLines(Path.Combine(straight, "loss.csv")).Length);

        // SIGKILL a child process mid-run, then resume: the result must equal the run never stopped.
        var killed = Path.Combine(_dir, "ae-killed");
        KillDuringStep(["train", "autoencoder", "-c", Path.Combine(_dir, "ae.yaml"), "--data", bids, "-o", killed], step: 10);
        Assert.False(Directory.Exists(Path.Combine(killed, "autoencoder")));
        (code, output, err) = CliRunner.Run("train", "autoencoder", "-o", killed, "--resume");
        Assert.True(code == 0, err);
        Assert.Contains("resumed from", output);
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "autoencoder", "autoencoder.safetensors")),
                     File.ReadAllBytes(Path.Combine(killed, "autoencoder", "autoencoder.safetensors")));

        var stage2 = Path.Combine(_dir, "ldm");
        (code, output, err) = CliRunner.Run("train", "diffusion", "-c", Path.Combine(_dir, "ldm.yaml"), "--data", bids, "--autoencoder", straight, "-o", stage2);
        Assert.True(code == 0, err);
        Assert.Contains("scale factor", output);
        var model = Path.Combine(stage2, "model");
        var config = LatentDiffusionModel.ReadConfig(model);
        Assert.True(config.ScaleFactor is > 0 and not 1.0);
        Assert.Equal(4, config.Conditioning.Count);

        var generated = Path.Combine(_dir, "generated");
        (code, _, err) = CliRunner.Run("generate", "--model", model, "--n", "2", "--steps", "5", "--age", "60", "--sex", "F", "-o", generated);
        Assert.True(code == 0, err);
        var images = Directory.GetFiles(generated, "*_T1w.nii.gz", SearchOption.AllDirectories);
        Assert.Equal(2, images.Length);
        foreach (var image in images)
        {
            var v = Nifti.Read(image);
            Assert.Equal([32, 32, 32], v.Shape);
            Assert.Equal([4.0, 4, 4], v.Spacing);
            Assert.All(v.Data, x => Assert.True(float.IsFinite(x)));
        }
        Assert.Contains("age", File.ReadAllText(Path.Combine(generated, "participants.tsv")));

        // ... and evaluate them against the cohort with the trained autoencoder's features.
        var report = Path.Combine(_dir, "evaluation.json");
        (code, output, err) = CliRunner.Run("evaluate", "--real", bids, "--synthetic", generated, "--features", $"autoencoder:{model}",
                                            "--json", report, "--max-pairs", "3", "--no-volumes");
        Assert.True(code == 0, err);
        var json = File.ReadAllText(report);
        foreach (var metric in new[] { "FID", "MMD", "4-G-R-SSIM" }) Assert.Contains(metric, json);
    }

    [Fact]
    public void BadInputIsOneLineNamingTheProblem()
    {
        var (code, _, err) = CliRunner.Run("train", "autoencoder", "-o", Path.Combine(_dir, "none"), "--resume");
        Assert.Equal(1, code);
        Assert.Contains("config.yaml", err);
        (code, _, err) = CliRunner.Run("train", "diffusion", "--data", _dir, "--autoencoder", _dir, "-o", Path.Combine(_dir, "x"));
        Assert.Equal(1, code);
        Assert.Contains("not a stage-1 run folder", err);
        (code, _, err) = CliRunner.Run("train", "autoencoder", "--data", _dir, "-o", Path.Combine(_dir, "y"), "--set", "training.stepz=3");
        Assert.Equal(1, code);
        Assert.Contains("stepz", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void ASecondTrainingIntoABusyRunFolderIsRefusedAndLogsNothing()
    {
        var bids = Path.Combine(_dir, "bids");
        Assert.Equal(0, CliRunner.Run("phantom", "-o", bids, "-n", "2", "--resolution", "4", "--modalities", "t1w", "--no-maps").Code);
        File.WriteAllText(Path.Combine(_dir, "ae.yaml"), AutoencoderYaml.Replace("steps: 16,", "steps: 100000,"));
        var run = Path.Combine(_dir, "busy");
        string[] args = ["train", "autoencoder", "-c", Path.Combine(_dir, "ae.yaml"), "--data", bids, "-o", run];
        var exe = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "braingen.exe" : "braingen");
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var child = Process.Start(info)!;
        var stepped = new TaskCompletionSource();
        child.OutputDataReceived += (_, e) => { if (e.Data?.Contains("step 2/") == true) stepped.TrySetResult(); };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        try
        {
            Assert.True(stepped.Task.Wait(TimeSpan.FromMinutes(3)), "the child never reported step 2");
            foreach (var second in new[] { args, ["train", "autoencoder", "-o", run, "--resume"] })
            {
                var (code, _, err) = CliRunner.Run(second);
                Assert.Equal(1, code);
                Assert.Contains($"{run}: another braingen process is writing it", err);
                Assert.DoesNotContain("   at ", err);
            }
        }
        finally
        {
            child.Kill();  // SIGKILL: the kernel drops the run folder's lock
            child.WaitForExit();
        }
        Assert.False(OutputLock.IsHeldElsewhere(Path.Combine(run, Trainer.LockFile)));
        var steps = File.ReadAllLines(Path.Combine(run, "loss.csv")).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')[0]).ToList();
        Assert.True(steps.Count >= 2);
        Assert.Equal(steps.Count, steps.Distinct().Count());  // only the child logged: no step twice
    }

    /// <summary>Runs the built `braingen` in a child process and SIGKILLs it once it reports <paramref name="step"/>.</summary>
    private static void KillDuringStep(string[] args, int step)
    {
        var exe = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "braingen.exe" : "braingen");
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var marker = $"step {step}/";
        var seen = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) => { if (e.Data?.Contains(marker) == true) seen.TrySetResult(); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Assert.True(seen.Task.Wait(TimeSpan.FromMinutes(3)), $"the child never reported {marker}");
        process.Kill();  // SIGKILL: no handler runs, nothing is flushed or saved
        process.WaitForExit();
    }
}
