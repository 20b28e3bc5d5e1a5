using System.Globalization;
using System.Text.Json;
using BrainGen.Imaging;

namespace BrainGen.Pipelines.Generation;

/// <summary>
/// A generation run's hold on its output folder, in .braingen/: the lock of its shard
/// (shard-I-of-N.lock, held for the whole run, so two processes never generate one shard into one
/// folder while the shards of one request run side by side) and the dataset's request record
/// (request.json, read, compared and written under the short-lived request.lock). A folder recorded
/// with another request is refused with what differs, unless the run overwrites: then the old
/// dataset (subject folders, previews, tables) is deleted first, provided no other process is
/// generating into it. A folder already holding this request is continued, overwrite or not, so
/// every shard of one job may pass --overwrite.
/// </summary>
public sealed class CohortOutputClaim : IDisposable
{
    public const string StateFolder = ".braingen";
    public const string RecordFile = "request.json";

    // A dataset-wide step (comparing records, rebuilding participants.tsv) waits this long for another process's.
    private static readonly TimeSpan DatasetLockWait = TimeSpan.FromMinutes(2);

    private readonly OutputLock _shardLock;
    private readonly string _root;

    private CohortOutputClaim(string root, OutputLock shardLock) => (_root, _shardLock) = (root, shardLock);

    /// <summary>True when an earlier dataset was deleted because its request differed (or was unknown).</summary>
    public bool Replaced { get; private init; }

    public static CohortOutputClaim Claim(string root, GenerationRequestRecord record, ShardPlan shard, bool overwrite)
    {
        root = Path.GetFullPath(root);
        if (!Directory.Exists(root) && FileKinds.Of(root) != FileKind.Missing)
            throw new IOException($"{root}: is not a folder; --output names the folder of the dataset");
        var state = Path.Combine(root, StateFolder);
        Directory.CreateDirectory(state);
        var shardLock = OutputLock.TryAcquire(Path.Combine(state, ShardLockName(shard)))
            ?? throw new OutputLockedException($"{root}: another braingen process is generating shard {shard} into it; wait for it to end or choose another --output");
        try
        {
            bool replaced;
            using (DatasetLock(root)) replaced = CompareOrRecord(root, record, shard, overwrite);
            return new CohortOutputClaim(root, shardLock) { Replaced = replaced };
        }
        catch
        {
            shardLock.Dispose();
            throw;
        }
    }

    /// <summary>The short dataset-wide lock, for steps that read or write what all shards share.</summary>
    public IDisposable LockDataset() => DatasetLock(_root);

    public void Dispose() => _shardLock.Dispose();

    private static OutputLock DatasetLock(string root) =>
        OutputLock.Acquire(Path.Combine(root, StateFolder, "request.lock"), root, DatasetLockWait);

    private static string ShardLockName(ShardPlan shard) =>
        string.Create(CultureInfo.InvariantCulture, $"shard-{shard.Index}-of-{shard.Count}.lock");

    private static bool CompareOrRecord(string root, GenerationRequestRecord record, ShardPlan shard, bool overwrite)
    {
        var path = Path.Combine(root, StateFolder, RecordFile);
        GenerationRequestRecord? existing;
        try { existing = GenerationRequestRecord.Read(path); }
        catch (InvalidDataException) when (overwrite) { existing = null; }
        if (existing is not null && existing.Differences(record) is { Count: 0 }) return false;

        bool hasSubjects = Directory.EnumerateDirectories(root, "sub-*").Any();
        if (existing is null && !hasSubjects)  // a new dataset (or one whose first subject has not been written)
        {
            record.Write(path);
            return false;
        }
        if (!overwrite)
        {
            if (existing is null)
                throw new InvalidDataException($"{root}: holds sub-* folders but no generation request record ({StateFolder}/{RecordFile}), so they may come from another request, another braingen or another tool; use --overwrite to replace a BrainGen dataset, or choose another --output");
            var diff = existing.Differences(record);
            throw new InvalidDataException($"{root}: was generated with {string.Join(", ", diff.Select(d => d.Was))}; this run asks {string.Join(", ", diff.Select(d => d.Asked))}; use --overwrite to replace it, or choose another --output");
        }

        // Overwrite: nobody else may be generating into the folder, and only a BrainGen dataset is deleted.
        var busy = Directory.EnumerateFiles(Path.Combine(root, StateFolder), "shard-*.lock")
            .Where(f => Path.GetFileName(f) != ShardLockName(shard) && OutputLock.IsHeldElsewhere(f)).Select(Path.GetFileName).ToList();
        if (busy.Count > 0)
            throw new OutputLockedException($"{root}: another braingen process is generating into it ({string.Join(", ", busy)}); --overwrite replaces a dataset only when no other process writes it");
        if (existing is null) EnsureGeneratedByBrainGen(root);
        File.Delete(path);  // first: a clear interrupted from here on leaves a folder that needs --overwrite again
        foreach (var subject in Directory.EnumerateDirectories(root, "sub-*").ToList()) Directory.Delete(subject, recursive: true);
        if (Directory.Exists(Path.Combine(root, "previews"))) Directory.Delete(Path.Combine(root, "previews"), recursive: true);
        foreach (var table in new[] { "participants.tsv", "participants.json", "dataset_description.json", ".bidsignore" })
            File.Delete(Path.Combine(root, table));
        AtomicFile.SyncDirectory(root);
        record.Write(path);
        return existing is not null || hasSubjects;
    }

    // A folder without a record is deleted only if every sidecar in it says BrainGen made it: --overwrite must never delete a real cohort.
    private static void EnsureGeneratedByBrainGen(string root)
    {
        foreach (var subject in Directory.EnumerateDirectories(root, "sub-*"))
        {
            var sidecars = Directory.EnumerateFiles(subject, "*.json", SearchOption.AllDirectories).ToList();
            if (sidecars.Count == 0)
                throw new InvalidDataException($"{subject}: has no BrainGen sidecar, so {root} is not a BrainGen dataset; --overwrite deletes only those: choose another --output");
            foreach (var sidecar in sidecars)
            {
                string? by = null;
                try
                {
                    using var doc = JsonDocument.Parse(BoundedFile.ReadAllText(sidecar, BoundedFile.ConfigBytes, "JSON sidecar"));
                    if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("GeneratedBy", out var g) && g.ValueKind == JsonValueKind.String)
                        by = g.GetString();
                }
                catch (JsonException) { }
                if (by != SyntheticCohortGenerator.PipelineName)
                    throw new InvalidDataException($"{sidecar}: not written by {SyntheticCohortGenerator.PipelineName}, so {root} is not a BrainGen dataset; --overwrite deletes only those: choose another --output");
            }
        }
    }
}
