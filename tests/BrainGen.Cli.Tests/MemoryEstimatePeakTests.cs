using System.Diagnostics;
using BrainGen.Cli.Tests.Hostile;
using BrainGen.Pipelines.Training;

namespace BrainGen.Cli.Tests;

/// <summary>
/// The memory estimate against a real run: one training step of a small autoencoder in a child
/// `braingen`, whose peak resident memory (VmHWM, read while it runs) the estimate must bound from
/// above without overshooting it by more than a factor of 2.
/// </summary>
public class MemoryEstimatePeakTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "braingen-memory", Guid.NewGuid().ToString("N"));

    public MemoryEstimatePeakTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Config = """
        data:
          preprocessing: {spacing: [2, 2, 2], shape: [32, 32, 32]}
        model: {channels: [32, 64], num_res_blocks: [1, 1], attention_levels: [false, false], norm_num_groups: 8}
        loss: {adversarial_weight: 0}
        training: {steps: 1, batch_size: 2, warmup_steps: 0, preview_every: 100}
        """;

    [Fact]
    public void TheEstimateBoundsThePeakWithinAFactorOfTwo()
    {
        var root = HostileCases.TinyCohort(_dir, subjects: 2);
        var yaml = Path.Combine(_dir, "ae.yaml");
        File.WriteAllText(yaml, Config);
        var estimate = MemoryEstimate.AutoencoderTraining(TrainingConfigFile.Load<AutoencoderRunConfig>(yaml, [$"data.root={root}"]));

        var exe = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "braingen.exe" : "braingen");
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "train", "autoencoder", "-c", yaml, "--data", root, "-o", Path.Combine(_dir, "run") }) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        long peak = 0;
        while (!process.WaitForExit(20))
        {
            try
            {
                process.Refresh();
                peak = Math.Max(peak, process.PeakWorkingSet64);
            }
            catch (InvalidOperationException) { break; }  // exited between the wait and the read
        }
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        Assert.True(peak > 0, "no peak working set was read");
        double ratio = estimate.Total / (double)peak;
        Console.WriteLine($"memory estimate / peak: {ratio:F2} ({estimate} against {MemoryEstimate.Format(peak)})");
        Assert.True(ratio is >= 0.9 and <= 2.0, $"ratio {ratio:F2}: estimate {estimate} against a measured peak of {MemoryEstimate.Format(peak)}: ratio {ratio:F2}");
    }
}
