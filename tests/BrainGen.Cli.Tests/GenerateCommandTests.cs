using System.Diagnostics;
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

    // The tiny bundle, 2 subjects, 2 steps, seed 4; options in extra replace those defaults.
    private static string[] Tiny(string output, params string[] extra)
    {
        var defaults = new[] { ("--n", "2"), ("--steps", "2"), ("--seed", "4") }.Where(d => !extra.Contains(d.Item1)).SelectMany(d => new[] { d.Item1, d.Item2 });
        return ["generate", "--monai-bundle", Bundle, "-o", output, "--no-preview", .. defaults, .. extra];
    }

    private static Dictionary<string, byte[]> Snapshot(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".lock"))
            .ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllBytes);

    [Theory]
    [InlineData("--seed 5", "--seed 4", "--seed 5")]
    [InlineData("--steps 3", "--steps 2", "--steps 3")]
    [InlineData("--sampler ddpm", "--sampler ddim", "--sampler ddpm")]
    [InlineData("--guidance 2", "--guidance 1", "--guidance 2")]
    [InlineData("--eta 0.5", "--eta 0", "--eta 0.5")]
    [InlineData("--age 0.7", "age=0.6", "age=0.7")]
    public void ResumingWithAnotherRequestIsRefusedWithWhatDiffersAndChangesNothing(string change, string was, string asked)
    {
        var output = Path.Combine(_dir, "out");
        Assert.Equal(0, CliRunner.Run(Tiny(output)).Code);
        var before = Snapshot(output);
        var (code, _, err) = CliRunner.Run(Tiny(output, change.Split(' ')));
        Assert.Equal(1, code);
        Assert.Contains($"{output}: was generated with {was}; this run asks {asked}; use --overwrite", err);
        Assert.DoesNotContain("   at ", err);
        var after = Snapshot(output);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (file, bytes) in before) Assert.Equal(bytes, after[file]);
    }

    [Fact]
    public void OverwriteReplacesAnotherRequestAndContinuesTheSameOne()
    {
        var output = Path.Combine(_dir, "out");
        Assert.Equal(0, CliRunner.Run(Tiny(output, "--n", "3")).Code);
        var (code, stdout, err) = CliRunner.Run(Tiny(output, "--seed", "5", "--overwrite"));
        Assert.True(code == 0, err);
        Assert.Contains("replaced", stdout);
        var fresh = Path.Combine(_dir, "fresh");
        Assert.Equal(0, CliRunner.Run(Tiny(fresh, "--seed", "5")).Code);
        // Only seed 5's two subjects remain (the third of seed 4 is gone), each as a fresh run makes it.
        Assert.Equal(["sub-00001", "sub-00002"], Directory.GetDirectories(output, "sub-*").Select(Path.GetFileName).Order());
        foreach (var subject in new[] { "00001", "00002" })
            Assert.Equal(Nifti.Read(Path.Combine(fresh, $"sub-{subject}", "anat", $"sub-{subject}_T1w.nii.gz")).Data,
                         Nifti.Read(Path.Combine(output, $"sub-{subject}", "anat", $"sub-{subject}_T1w.nii.gz")).Data);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(output, "participants.tsv")).Length);

        // The same request with --overwrite again (as every shard of a job may pass it) continues: nothing is regenerated.
        var image = Path.Combine(output, "sub-00001", "anat", "sub-00001_T1w.nii.gz");
        var written = File.GetLastWriteTimeUtc(image);
        (code, stdout, err) = CliRunner.Run(Tiny(output, "--seed", "5", "--overwrite", "--n", "3"));
        Assert.True(code == 0, err);
        Assert.Contains("2 already done", stdout);
        Assert.DoesNotContain("replaced", stdout);
        Assert.Equal(written, File.GetLastWriteTimeUtc(image));
    }

    [Fact]
    public void ASecondProcessOnTheSameShardIsRefusedWhileOtherShardsAndAKilledRunsResumeGoOn()
    {
        var output = Path.Combine(_dir, "busy");
        // A child generating shard 0/2 of a long request holds that shard's lock until it is killed.
        var exe = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "braingen.exe" : "braingen");
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in Tiny(output, "--n", "1000", "--steps", "1000", "--shard", "0/2")) info.ArgumentList.Add(a);  // hours of work
        using var child = Process.Start(info)!;
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        try
        {
            var shardLock = Path.Combine(output, ".braingen", "shard-0-of-2.lock");
            var clock = Stopwatch.StartNew();
            while (!(File.Exists(Path.Combine(output, ".braingen", "request.json")) && OutputLock.IsHeldElsewhere(shardLock)))
            {
                Assert.False(child.HasExited, "the child ended before it took its lock");
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "the child never took its lock");
                Thread.Sleep(50);
            }
            var (code, _, err) = CliRunner.Run(Tiny(output, "--steps", "1000", "--shard", "0/2"));
            Assert.Equal(1, code);
            Assert.Contains($"{output}: another braingen process is generating shard 0/2 into it", err);
            // Another request is refused by its record even on a free shard; --overwrite cannot delete what the child writes.
            (code, _, err) = CliRunner.Run(Tiny(output, "--shard", "1/2"));
            Assert.Contains("was generated with --steps 1000; this run asks --steps 2", err);
            (code, _, err) = CliRunner.Run(Tiny(output, "--shard", "1/2", "--overwrite"));
            Assert.Equal(1, code);
            Assert.Contains("another braingen process is generating into it (shard-0-of-2.lock)", err);
            Assert.Empty(Directory.GetDirectories(output, "sub-*"));
        }
        finally
        {
            child.Kill();  // SIGKILL: the kernel drops its lock
            child.WaitForExit();
        }
        Assert.False(OutputLock.IsHeldElsewhere(Path.Combine(output, ".braingen", "shard-0-of-2.lock")));
        var (after, _, afterErr) = CliRunner.Run(Tiny(output, "--shard", "1/2", "--overwrite"));
        Assert.True(after == 0, afterErr);
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
