using BrainGen.Imaging;
using BrainGen.Models.Schedulers;
using BrainGen.Pipelines.Generation;

namespace BrainGen.Pipelines.Tests.Generation;

/// <summary>
/// A generated dataset is continued only by the request that made it; shards of one request share a
/// folder, a shard held by another process is refused, and --overwrite deletes only a BrainGen
/// dataset nobody else is writing.
/// </summary>
public class CohortOutputClaimTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "braingen-claim-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static GenerationRequestRecord Record(GenerationRequest? request = null, string digest = "ab12cd34ef56ab12cd34ef56", string model = "tiny",
                                                  Dictionary<string, string>? covariates = null) =>
        GenerationRequestRecord.For(request ?? new GenerationRequest { Seed = 4, Steps = 10 }, model, digest, covariates ?? new() { ["age"] = "60", ["sex"] = "F" });

    public static TheoryData<string, string, string> Changes() => new()
    {
        { "seed", "--seed 4", "--seed 5" },
        { "steps", "--steps 10", "--steps 20" },
        { "sampler", "--sampler ddim", "--sampler ddpm" },
        { "guidance", "--guidance 1", "--guidance 3.5" },
        { "eta", "--eta 0", "--eta 0.5" },
        { "suffix", "suffix T1w", "suffix T2w" },
        { "age", "age=60", "age=70" },
        { "sex dropped", "sex=F", "no sex" },
        { "weights", "the model 'tiny' with weights sha256 ab12cd34ef56", "other weights (sha256 ffffffffffff)" },
        { "model", "the model 'tiny' (sha256 ab12cd34ef56)", "the model 'other' (sha256 ab12cd34ef56)" },
    };

    private static GenerationRequestRecord Changed(string change) => change switch
    {
        "seed" => Record(new GenerationRequest { Seed = 5, Steps = 10 }),
        "steps" => Record(new GenerationRequest { Seed = 4, Steps = 20 }),
        "sampler" => Record(new GenerationRequest { Seed = 4, Steps = 10, Sampler = SamplerKind.Ddpm }),
        "guidance" => Record(new GenerationRequest { Seed = 4, Steps = 10, Guidance = 3.5 }),
        "eta" => Record(new GenerationRequest { Seed = 4, Steps = 10, Eta = 0.5 }),
        "suffix" => Record(new GenerationRequest { Seed = 4, Steps = 10, Suffix = "T2w" }),
        "age" => Record(covariates: new() { ["age"] = "70", ["sex"] = "F" }),
        "sex dropped" => Record(covariates: new() { ["age"] = "60" }),
        "weights" => Record(digest: "ffffffffffffffffffffffff"),
        "model" => Record(model: "other"),
        _ => throw new ArgumentException(change),
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void EachDifferenceIsNamedAndRefusedWithoutOverwrite(string change, string was, string asked)
    {
        Assert.Equal([(was, asked)], Record().Differences(Changed(change)));
        using (CohortOutputClaim.Claim(_dir, Record(), ShardPlan.Whole, overwrite: false)) { }
        var e = Assert.Throws<InvalidDataException>(() => CohortOutputClaim.Claim(_dir, Changed(change), ShardPlan.Whole, overwrite: false));
        Assert.Equal($"{_dir}: was generated with {was}; this run asks {asked}; use --overwrite to replace it, or choose another --output", e.Message);
    }

    [Fact]
    public void CohortSizeShardBatchDeviceAndSlabsAreNotPartOfTheRequest()
    {
        var other = Record(new GenerationRequest { Seed = 4, Steps = 10, Count = 1000, Shard = new ShardPlan(3, 8), BatchSize = 4, Slabs = new(0, 2), Previews = false });
        Assert.Empty(Record().Differences(other));
        var path = Path.Combine(_dir, "request.json");
        Directory.CreateDirectory(_dir);
        other.Write(path);
        Assert.Empty(GenerationRequestRecord.Read(path)!.Differences(Record()));
    }

    [Fact]
    public void ShardsOfOneRequestShareTheFolderButNotAShard()
    {
        using var first = CohortOutputClaim.Claim(_dir, Record(), new ShardPlan(0, 2), overwrite: false);
        using var second = CohortOutputClaim.Claim(_dir, Record(), new ShardPlan(1, 2), overwrite: true);  // same request: --overwrite continues
        Assert.False(second.Replaced);
        // Another process on shard 1/3 (its own open of the lock file holds flock).
        using var elsewhere = new FileStream(Path.Combine(_dir, ".braingen", "shard-1-of-3.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var e = Assert.Throws<OutputLockedException>(() => CohortOutputClaim.Claim(_dir, Record(), new ShardPlan(1, 3), overwrite: false));
        Assert.Equal($"{_dir}: another braingen process is generating shard 1/3 into it; wait for it to end or choose another --output", e.Message);
    }

    [Fact]
    public void OverwriteDeletesTheOldDatasetOnlyWhenNoOtherProcessWritesIt()
    {
        using (CohortOutputClaim.Claim(_dir, Record(), ShardPlan.Whole, overwrite: false)) { }
        var sidecar = Path.Combine(_dir, "sub-00001", "anat", "sub-00001_T1w.json");
        Directory.CreateDirectory(Path.GetDirectoryName(sidecar)!);
        File.WriteAllText(sidecar, "{\"GeneratedBy\": \"BrainGen\"}");
        File.WriteAllText(Path.Combine(_dir, "participants.tsv"), "participant_id\nsub-00001\n");
        Directory.CreateDirectory(Path.Combine(_dir, "previews"));

        using (new FileStream(Path.Combine(_dir, ".braingen", "shard-0-of-2.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var e = Assert.Throws<OutputLockedException>(() => CohortOutputClaim.Claim(_dir, Changed("seed"), new ShardPlan(1, 2), overwrite: true));
            Assert.Contains("another braingen process is generating into it (shard-0-of-2.lock)", e.Message);
            Assert.True(File.Exists(sidecar));
        }
        using (var claim = CohortOutputClaim.Claim(_dir, Changed("seed"), ShardPlan.Whole, overwrite: true))
            Assert.True(claim.Replaced);
        Assert.False(Directory.Exists(Path.Combine(_dir, "sub-00001")));
        Assert.False(Directory.Exists(Path.Combine(_dir, "previews")));
        Assert.False(File.Exists(Path.Combine(_dir, "participants.tsv")));
        Assert.Empty(GenerationRequestRecord.Read(Path.Combine(_dir, ".braingen", "request.json"))!.Differences(Changed("seed")));
    }

    [Fact]
    public void AFolderWithSubjectsButNoRecordIsRefusedAndAForeignOneNeverDeleted()
    {
        var sidecar = Path.Combine(_dir, "sub-01", "anat", "sub-01_T1w.json");
        Directory.CreateDirectory(Path.GetDirectoryName(sidecar)!);
        File.WriteAllText(sidecar, "{\"RepetitionTime\": 2.3}");
        var e = Assert.Throws<InvalidDataException>(() => CohortOutputClaim.Claim(_dir, Record(), ShardPlan.Whole, overwrite: false));
        Assert.Contains("holds sub-* folders but no generation request record", e.Message);
        e = Assert.Throws<InvalidDataException>(() => CohortOutputClaim.Claim(_dir, Record(), ShardPlan.Whole, overwrite: true));
        Assert.Contains("sub-01_T1w.json: not written by BrainGen", e.Message);
        Assert.True(File.Exists(sidecar));
        Assert.False(File.Exists(Path.Combine(_dir, ".braingen", "request.json")));
    }

    [Fact]
    public void ADamagedRecordNamesItsFile()
    {
        Directory.CreateDirectory(Path.Combine(_dir, ".braingen"));
        File.WriteAllText(Path.Combine(_dir, ".braingen", "request.json"), "{ not json");
        var e = Assert.Throws<InvalidDataException>(() => CohortOutputClaim.Claim(_dir, Record(), ShardPlan.Whole, overwrite: false));
        Assert.StartsWith(Path.Combine(_dir, ".braingen", "request.json"), e.Message);
    }

    [Theory]
    [InlineData(0, 1, 10, 10)]
    [InlineData(3, 8, 10, 1)]
    [InlineData(2, 8, 10, 1)]
    [InlineData(1, 8, 10, 2)]
    [InlineData(9, 10, 9, 0)]
    [InlineData(0, 3, 0, 0)]
    [InlineData(6, 7, 1_000_000_000, 142_857_142)]
    public void ShardSizesAreComputedAsTheyEnumerate(int index, int count, long cohort, long expected)
    {
        var shard = new ShardPlan(index, count);
        Assert.Equal(expected, shard.CountOf(cohort));
        if (cohort < 1000) Assert.Equal(shard.Subjects(cohort).LongCount(), shard.CountOf(cohort));
    }
}
