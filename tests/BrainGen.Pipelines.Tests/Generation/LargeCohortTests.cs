using BrainGen.Pipelines.Generation;

namespace BrainGen.Pipelines.Tests.Generation;

/// <summary>
/// `--n 1000000000` starts at once: subjects are enumerated lazily and the shard's size is computed,
/// so nothing per subject is built before the first one is sampled (it used to be 16 GB).
/// </summary>
public class LargeCohortTests : IDisposable
{
    private static readonly string Bundle = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny_bundle");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "braingen-large-cohort-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private sealed class StopAtFirstStep : Exception;

    private sealed class FirstReport : IProgress<GenerationProgress>
    {
        public GenerationProgress? Seen { get; private set; }
        public void Report(GenerationProgress value)
        {
            Seen = value;
            throw new StopAtFirstStep();  // stop the run at its first sampling step
        }
    }

    [Theory]
    [InlineData(0, 1, 1_000_000_000L)]
    [InlineData(6, 7, 142_857_142L)]
    public void ABillionSubjectsCostNothingBeforeTheFirst(int index, int count, long inShard)
    {
        var description = MonaiBundle.Read(Bundle);
        using var model = MonaiBundle.Load(Bundle, description);
        var generator = new SyntheticCohortGenerator(model, "tiny", _dir);
        var request = new GenerationRequest { Count = 1_000_000_000, Steps = 2, Shard = new ShardPlan(index, count), Previews = false };
        var progress = new FirstReport();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<StopAtFirstStep>(() => generator.Run(request, progress));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(inShard, progress.Seen!.SubjectsInShard);
        Assert.Equal(0, progress.Seen.SubjectsDone);
        Assert.Equal(index == 0 ? "0000000001" : "0000000007", progress.Seen.Subject);  // labels padded to the cohort's width
        // One subject's sampling and the model digest, not a list of a billion (8 bytes each would be 8 GB).
        Assert.True(allocated < 256L << 20, $"{allocated >> 20} MiB allocated before the first step");
    }
}
