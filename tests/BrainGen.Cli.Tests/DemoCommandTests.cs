namespace BrainGen.Cli.Tests;

/// <summary>The README's main job, at its smallest: one subject at 4 mm, without the training stages.</summary>
public class DemoCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "braingen-demo-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void DemoSimulatesMeasuresAndPreviews()
    {
        var (code, output, err) = CliRunner.Run("demo", "-o", _dir, "-n", "1", "--resolution", "4", "--no-training");
        Assert.True(code == 0, err);
        Assert.Contains("mean |error|: brain", output);
        Assert.True(File.Exists(Path.Combine(_dir, "contrasts.png")));
        Assert.True(File.Exists(Path.Combine(_dir, "cohort", "participants.tsv")));
    }
}
