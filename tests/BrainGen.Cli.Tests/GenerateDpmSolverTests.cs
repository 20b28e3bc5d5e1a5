using System.Text.Json;
using BrainGen.Imaging;

namespace BrainGen.Cli.Tests;

/// <summary>`braingen generate --sampler dpm++` end to end on the toy MONAI bundle.</summary>
public class GenerateDpmSolverTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "braingen-dpm-tests", Guid.NewGuid().ToString("N"));
    private static readonly string Bundle = CliRunner.RepoPath("tests/BrainGen.Pipelines.Tests/Fixtures/tiny_bundle");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private (Volume Image, JsonElement Parameters) Generate(string name, ulong seed, int steps)
    {
        var output = Path.Combine(_dir, name);
        var (code, _, err) = CliRunner.Run("generate", "--monai-bundle", Bundle, "--sampler", "dpm++", "--steps", steps.ToString(),
            "--seed", seed.ToString(), "-o", output, "--no-preview");
        Assert.True(code == 0, err);
        var stem = Path.Combine(output, "sub-00001", "anat", "sub-00001_T1w");
        using var sidecar = JsonDocument.Parse(File.ReadAllText(stem + ".json"));
        return (Nifti.Read(stem + ".nii.gz"), sidecar.RootElement.GetProperty("GenerationParameters").Clone());
    }

    [Fact]
    public void DpmSolverMakesAFiniteImageThatTheSeedDetermines()
    {
        var (first, parameters) = Generate("a", 5, 8);
        var (again, _) = Generate("b", 5, 8);
        var (other, _) = Generate("c", 6, 8);

        Assert.All(first.Data, v => Assert.True(float.IsFinite(v)));
        Assert.True(first.Data.Max() > first.Data.Min(), "the image is not constant");
        Assert.Equal(first.Data, again.Data);  // same seed, same bytes
        Assert.NotEqual(first.Data, other.Data);
        Assert.Equal("dpm++", parameters.GetProperty("Sampler").GetString());
        Assert.Equal(8, parameters.GetProperty("Steps").GetInt32());
    }

    [Fact]
    public void HelpNamesTheSampler()
    {
        var (code, stdout, _) = CliRunner.Run("generate", "--help");
        Assert.Equal(0, code);
        Assert.Contains("dpm++", stdout);
    }
}
