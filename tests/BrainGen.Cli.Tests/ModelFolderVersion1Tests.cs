using BrainGen.Imaging;
using BrainGen.Pipelines.Generation;

namespace BrainGen.Cli.Tests;

/// <summary>
/// A version-1 model folder written by the code before the generation stack (committed, see its
/// README) still loads, and generates the image that code generated: bit for bit on the machine that
/// made it, within float32 kernel noise elsewhere (ATen's and oneDNN's convolutions round differently).
/// </summary>
public class ModelFolderVersion1Tests : IDisposable
{
    private static readonly string Fixture = CliRunner.RepoPath("tests/BrainGen.Pipelines.Tests/Fixtures/v1_model");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "braingen-v1-model", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void AVersion1FolderGeneratesWhatTheOldCodeGenerated()
    {
        var config = LatentDiffusionModel.ReadConfig(Fixture);
        Assert.Equal("braingen-ldm/1", config.Format);
        Assert.Equal("unet", config.DenoiserKind);
        Assert.Equal("autoencoder_kl", config.TokenizerKind);

        var output = Path.Combine(_dir, "gen");
        var (code, _, err) = CliRunner.Run("generate", "--model", Fixture, "--n", "1", "--steps", "3", "--seed", "5", "--age", "60", "--guidance", "2",
            "-o", output, "--no-preview");
        Assert.True(code == 0, err);
        var expected = Nifti.Read(Path.Combine(Fixture, "expected", "sub-00001_T1w.nii.gz"));
        var actual = Nifti.Read(Path.Combine(output, "sub-00001", "anat", "sub-00001_T1w.nii.gz"));
        Assert.Equal(expected.Shape, actual.Shape);
        float[] e = expected.Data.ToArray(), a = actual.Data.ToArray();
        double range = e.Max() - e.Min();
        for (int i = 0; i < e.Length; i++) AssertClose.Equal(e[i], a[i], abs: 1e-4 * range, what: $"voxel {i}");
    }
}
