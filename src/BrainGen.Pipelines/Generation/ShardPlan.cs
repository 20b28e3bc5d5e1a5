using System.Globalization;

namespace BrainGen.Pipelines.Generation;

/// <summary>
/// Which subjects of a cohort this process generates: subject k belongs to shard k mod N, so
/// shards are disjoint, cover everything, and stay balanced for any cohort size. The shard comes
/// from <c>--shard i/N</c>, else from a Slurm array job (SLURM_ARRAY_TASK_ID, relative to
/// SLURM_ARRAY_TASK_MIN, out of SLURM_ARRAY_TASK_COUNT) or a Kubernetes indexed job
/// (JOB_COMPLETION_INDEX out of BRAINGEN_SHARD_COUNT), else the whole cohort.
/// </summary>
public sealed record ShardPlan(int Index, int Count)
{
    public static readonly ShardPlan Whole = new(0, 1);

    public bool Contains(long subjectIndex) => subjectIndex % Count == Index;

    /// <summary>How many of a cohort's subjects are this shard's, computed rather than counted.</summary>
    public long CountOf(long cohortSize) => cohortSize <= Index ? 0 : (cohortSize - Index + Count - 1) / Count;

    public IEnumerable<long> Subjects(long cohortSize)
    {
        for (long k = Index; k < cohortSize; k += Count) yield return k;
    }

    public static ShardPlan Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            return Validated(i, n, $"--shard {text}");
        throw new ArgumentException($"--shard '{text}': expected INDEX/COUNT, e.g. 0/8");
    }

    /// <summary>The shard named on the command line, else by the scheduler's environment, else the whole cohort.</summary>
    public static ShardPlan Resolve(string? option, Func<string, string?>? environment = null)
    {
        if (!string.IsNullOrWhiteSpace(option)) return Parse(option);
        environment ??= Environment.GetEnvironmentVariable;
        if (environment("SLURM_ARRAY_TASK_ID") is { } slurmId)
        {
            int id = ParseInt(slurmId, "SLURM_ARRAY_TASK_ID");
            int min = environment("SLURM_ARRAY_TASK_MIN") is { } m ? ParseInt(m, "SLURM_ARRAY_TASK_MIN") : 0;
            var count = environment("SLURM_ARRAY_TASK_COUNT")
                ?? throw new ArgumentException("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: use --shard i/N");
            return Validated(id - min, ParseInt(count, "SLURM_ARRAY_TASK_COUNT"), "Slurm array task");
        }
        if (environment("JOB_COMPLETION_INDEX") is { } k8sIndex)
        {
            var count = environment("BRAINGEN_SHARD_COUNT")
                ?? throw new ArgumentException("JOB_COMPLETION_INDEX is set: also set BRAINGEN_SHARD_COUNT to the job's completions (or use --shard i/N)");
            return Validated(ParseInt(k8sIndex, "JOB_COMPLETION_INDEX"), ParseInt(count, "BRAINGEN_SHARD_COUNT"), "Kubernetes indexed job");
        }
        return Whole;
    }

    private static int ParseInt(string value, string name) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"{name}='{value}' is not a non-negative integer");

    private static ShardPlan Validated(int index, int count, string source)
    {
        if (count < 1) throw new ArgumentException($"{source}: shard count must be at least 1, got {count}");
        if (index < 0 || index >= count) throw new ArgumentException($"{source}: shard index {index} is outside 0..{count - 1}");
        return new ShardPlan(index, count);
    }

    public override string ToString() => $"{Index}/{Count}";
}
