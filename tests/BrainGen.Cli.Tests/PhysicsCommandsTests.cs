using BrainGen.Imaging;

namespace BrainGen.Cli.Tests;

/// <summary>`braingen phantom`, `segment`, `volumes` and `contrast` on a tiny 4 mm cohort, and their bad-input errors.</summary>
public class PhysicsCommandsTests : IClassFixture<PhysicsCommandsTests.TinyCohort>
{
    private readonly TinyCohort _cohort;

    public PhysicsCommandsTests(TinyCohort cohort) => _cohort = cohort;

    /// <summary>One subject at 4 mm, skull-stripped, with its truth maps, shared by the tests.</summary>
    public sealed class TinyCohort : IDisposable
    {
        public TinyCohort()
        {
            var (code, _, err) = CliRunner.Run("phantom", "-o", Root, "-n", "1", "--resolution", "4", "--skull-strip", "--modalities", "t1w,flair", "--seed", "3");
            Assert.True(code == 0, err);
            T1w = Directory.GetFiles(Root, "*_T1w.nii.gz", SearchOption.AllDirectories).Single(f => !f.Contains("derivatives"));
        }

        public string Root { get; } = Path.Combine(Path.GetTempPath(), "braingen-physics-cli", Guid.NewGuid().ToString("N"));
        public string T1w { get; }

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }

    [Fact]
    public void PhantomWritesABidsCohortWithTruth()
    {
        var participants = File.ReadAllLines(Path.Combine(_cohort.Root, "participants.tsv"));
        Assert.Equal(2, participants.Length);
        foreach (var column in new[] { "age", "sex", "brain_volume_ml", "ventricle_volume_ml" }) Assert.Contains(column, participants[0].Split('\t'));
        Assert.Single(Directory.GetFiles(_cohort.Root, "*_FLAIR.nii.gz", SearchOption.AllDirectories), f => !f.Contains("derivatives"));
    }

    [Fact]
    public void VolumesAndSegmentMeasureTheT1w()
    {
        var tsv = Path.Combine(_cohort.Root, "volumes.tsv");
        var maps = Path.Combine(_cohort.Root, "ventricle-maps");
        var (code, _, err) = CliRunner.Run("volumes", _cohort.T1w, "-o", tsv, "--ventricle-maps", maps);
        Assert.True(code == 0, err);
        var lines = File.ReadAllLines(tsv);
        Assert.StartsWith("image\tbrain_volume_ml\tventricle_volume_ml", lines[0]);
        double brain = double.Parse(lines[1].Split('\t')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(brain, 900, 2000);
        // The map is what was summed: its total equals the reported ventricle volume.
        double ventricles = double.Parse(lines[1].Split('\t')[2], System.Globalization.CultureInfo.InvariantCulture);
        var map = Nifti.Read(Assert.Single(Directory.GetFiles(maps, "*_label-Ventricles_probseg.nii.gz")));
        double voxelMl = map.Spacing.Aggregate(1.0, (a, b) => a * b) / 1000;
        Assert.Equal(ventricles, map.Data.Sum(v => (double)v) * voxelMl, 0.01);

        var prefix = Path.Combine(_cohort.Root, "seg");
        Assert.Equal(0, CliRunner.Run("segment", _cohort.T1w, "-o", prefix).Code);
        Assert.True(File.Exists(prefix + "_label-GM_probseg.nii.gz"));
        Assert.True(File.Exists(prefix + "_dseg.nii.gz"));
    }

    [Fact]
    public void ContrastFromTissueMapsMakesANewSequence()
    {
        var probseg = Path.Combine(_cohort.Root, "seg2");
        Assert.Equal(0, CliRunner.Run("segment", _cohort.T1w, "-o", probseg).Code);
        var output = Path.Combine(_cohort.Root, "flair.nii.gz");
        var (code, _, err) = CliRunner.Run("contrast", "--probseg", probseg, "--sequence", "flair", "--tr", "9000", "--te", "90", "--ti", "2500", "-o", output);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(output));
    }

    [Theory]
    [InlineData(new[] { "volumes", "/nonexistent/t1.nii.gz" }, "not found")]
    [InlineData(new[] { "segment", "/nonexistent/t1.nii.gz", "-o", "/tmp/x" }, "not found")]
    [InlineData(new[] { "contrast", "--probseg", "/nonexistent/seg", "--preset", "no-such-preset", "-o", "/tmp/x.nii.gz" }, "no-such-preset")]
    [InlineData(new[] { "phantom", "-o", "/tmp/braingen-bad-phantom", "-n", "0" }, "ubject")]
    public void BadInputIsOneLineAndExitCodeOne(string[] args, string message)
    {
        var (code, _, err) = CliRunner.Run(args);
        Assert.Equal(1, code);
        Assert.Contains(message, err);
        Assert.DoesNotContain("   at ", err);
    }
}
