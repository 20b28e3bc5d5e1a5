using BrainGen.Imaging;

namespace BrainGen.Cli.Tests;

/// <summary>`braingen generate` on the toy MONAI bundle: sharding, resume, the BIDS output and bad input.</summary>
public class GenerateCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "braingen-generate-tests", Guid.NewGuid().ToString("N"));
    private static readonly string Bundle = CliRunner.RepoPath("tests/BrainGen.Pipelines.Tests/Fixtures/tiny_bundle");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void ShardsThenResumeProduceEachSubjectOnceAndTheSameAsOneRun()
    {
        var sharded = Path.Combine(_dir, "sharded");
        string[] Args(string output, params string[] extra) => ["generate", "--monai-bundle", Bundle, "--n", "3", "--seed", "4", "-o", output, "--no-preview", .. extra];
        Assert.Equal(0, CliRunner.Run(Args(sharded, "--shard", "1/2")).Code);
        Assert.Single(Directory.GetFiles(sharded, "*.nii.gz", SearchOption.AllDirectories));
        var firstImage = Directory.GetFiles(sharded, "*.nii.gz", SearchOption.AllDirectories)[0];
        var firstWrite = File.GetLastWriteTimeUtc(firstImage);
        Assert.Equal(0, CliRunner.Run(Args(sharded)).Code);  // the whole cohort: the shard's subject is skipped
        Assert.Equal(firstWrite, File.GetLastWriteTimeUtc(firstImage));

        var single = Path.Combine(_dir, "single");
        Assert.Equal(0, CliRunner.Run(Args(single)).Code);
        foreach (var subject in new[] { "00001", "00002", "00003" })
        {
            var a = Nifti.Read(Path.Combine(sharded, $"sub-{subject}", "anat", $"sub-{subject}_T1w.nii.gz"));
            var b = Nifti.Read(Path.Combine(single, $"sub-{subject}", "anat", $"sub-{subject}_T1w.nii.gz"));
            Assert.Equal(b.Data, a.Data);
        }
        var participants = File.ReadAllLines(Path.Combine(sharded, "participants.tsv"));
        Assert.Equal(4, participants.Length);
        Assert.Equal("participant_id\tgender\tage\tventricular_vol\tbrain_vol", participants[0]);
    }

    [Theory]
    [InlineData("--ventricle-volume", "x", "ventricular_vol: 'x' is not a number")]
    [InlineData("--covariate", "height=3", "no covariate 'height'")]
    [InlineData("--shard", "2/2", "outside 0..1")]
    public void BadInputIsOneLineAndExitCodeOne(string option, string value, string message)
    {
        var (code, _, err) = CliRunner.Run("generate", "--monai-bundle", Bundle, "-o", Path.Combine(_dir, "bad"), option, value);
        Assert.Equal(1, code);
        Assert.Contains(message, err);
        Assert.DoesNotContain("   at ", err);
    }
}
