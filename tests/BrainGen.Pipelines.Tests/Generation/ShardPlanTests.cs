using BrainGen.Pipelines.Generation;

namespace BrainGen.Pipelines.Tests.Generation;

public class ShardPlanTests
{
    [Theory]
    [InlineData(10, 3)]
    [InlineData(1, 4)]
    [InlineData(100, 7)]
    public void ShardsAreDisjointAndCoverTheCohort(int cohort, int shards)
    {
        var all = Enumerable.Range(0, shards).SelectMany(i => new ShardPlan(i, shards).Subjects(cohort)).ToList();
        Assert.Equal(cohort, all.Count);
        Assert.Equal(Enumerable.Range(0, cohort).Select(i => (long)i), all.Order());
    }

    [Fact]
    public void EnvironmentOfSlurmAndKubernetesIsRead()
    {
        var slurm = new Dictionary<string, string> { ["SLURM_ARRAY_TASK_ID"] = "5", ["SLURM_ARRAY_TASK_MIN"] = "1", ["SLURM_ARRAY_TASK_COUNT"] = "8" };
        Assert.Equal(new ShardPlan(4, 8), ShardPlan.Resolve(null, k => slurm.GetValueOrDefault(k)));
        var k8s = new Dictionary<string, string> { ["JOB_COMPLETION_INDEX"] = "2", ["BRAINGEN_SHARD_COUNT"] = "3" };
        Assert.Equal(new ShardPlan(2, 3), ShardPlan.Resolve(null, k => k8s.GetValueOrDefault(k)));
        Assert.Equal(new ShardPlan(1, 2), ShardPlan.Resolve("1/2", k => slurm.GetValueOrDefault(k)));
        Assert.Equal(ShardPlan.Whole, ShardPlan.Resolve(null, _ => null));
    }

    [Theory]
    [InlineData("3/3", "outside 0..2")]
    [InlineData("a/3", "expected INDEX/COUNT")]
    [InlineData("0/0", "at least 1")]
    public void BadShardsAreExplained(string text, string message) =>
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => ShardPlan.Parse(text)).Message);

    [Fact]
    public void SubjectSeedsAreStableAndDistinct()
    {
        Assert.Equal(SubjectSeeds.For(7, 41), SubjectSeeds.For(7, 41));
        var seeds = Enumerable.Range(0, 10000).Select(k => SubjectSeeds.For(7, k)).ToHashSet();
        Assert.Equal(10000, seeds.Count);
        Assert.NotEqual(SubjectSeeds.For(7, 0), SubjectSeeds.For(8, 0));
    }
}
