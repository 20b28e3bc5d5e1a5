using System.Globalization;
using System.Text.Json;
using BrainGen.Imaging;
using BrainGen.Torch;
using BrainGen.Torch.Serialization;

namespace BrainGen.Pipelines.Training;

/// <summary>What besides tensors a checkpoint must hold to continue bit for bit: the step, the data-order position and the generator state.</summary>
public sealed record TrainingState
{
    public long Step { get; init; }

    /// <summary>Samples consumed so far (step · batch size): the position in <see cref="DataOrder"/>.</summary>
    public long SamplesSeen { get; init; }

    /// <summary>The training generator (noise, timesteps, posterior samples, CFG dropout) as base64 engine state.</summary>
    public string GeneratorState { get; init; } = "";
    public double? ScaleFactor { get; init; }
    public DateTime SavedUtc { get; init; }
}

/// <summary>
/// A run's checkpoints/step-N folders. A checkpoint is several files (weights, optimizer, EMA,
/// state.json), so it is written into checkpoints/.step-N.partial, each file written atomically
/// (temporary file, fsync, rename), then a COMPLETE marker listing the files and their sizes, then
/// the folder is renamed to step-N and the parent fsynced. A crash at any point leaves either no
/// step-N or a complete one; resume takes the newest folder whose marker matches its files.
/// </summary>
public sealed class CheckpointStore(string runFolder, int keep = 2)
{
    public const string Marker = "COMPLETE";

    public string Folder { get; } = Path.Combine(runFolder, "checkpoints");

    public string Write(TrainingState state, IReadOnlyDictionary<string, Dictionary<string, HostTensor>> tensorFiles)
    {
        Directory.CreateDirectory(Folder);
        var name = $"step-{state.Step}";
        var staging = Path.Combine(Folder, $".{name}.partial");
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        foreach (var (file, tensors) in tensorFiles)
            SafeTensors.Save(Path.Combine(staging, file), tensors, new Dictionary<string, string> { ["step"] = state.Step.ToString(CultureInfo.InvariantCulture) });
        AtomicFile.WriteAllText(Path.Combine(staging, "state.json"), JsonSerializer.Serialize(state, new JsonSerializerOptions { WriteIndented = true }));
        var listing = Directory.GetFiles(staging).Where(f => !Path.GetFileName(f).StartsWith('.'))
            .Select(f => $"{Path.GetFileName(f)}\t{new FileInfo(f).Length}").Order(StringComparer.Ordinal);
        AtomicFile.WriteAllText(Path.Combine(staging, Marker), string.Join('\n', listing) + "\n");

        var target = Path.Combine(Folder, name);
        // Re-reaching a step after resuming from an earlier checkpoint rewrites the same weights: replace the old folder.
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        Directory.Move(staging, target);
        AtomicFile.SyncDirectory(Folder);
        Prune();
        return target;
    }

    /// <summary>The newest complete checkpoint folder, or null. Folders without a valid marker are left alone and reported.</summary>
    public string? Latest(Action<string>? warn = null)
    {
        if (!Directory.Exists(Folder)) return null;
        foreach (var (step, dir) in Steps().OrderByDescending(s => s.Step))
        {
            var problem = Verify(dir);
            if (problem is null) return dir;
            warn?.Invoke($"{dir}: skipped ({problem})");
        }
        return null;
    }

    /// <summary>Null when the marker exists and every file it lists has the recorded size; otherwise why not.</summary>
    public static string? Verify(string dir)
    {
        var marker = Path.Combine(dir, Marker);
        if (!File.Exists(marker)) return "no COMPLETE marker: the write was interrupted";
        foreach (var line in BoundedFile.ReadAllLines(marker, BoundedFile.ConfigBytes, "checkpoint marker").Where(l => l.Length > 0))
        {
            var parts = line.Split('\t');
            var file = Path.Combine(dir, parts[0]);
            if (parts.Length != 2 || !long.TryParse(parts[1], out var size)) return $"{marker}: malformed line '{line}'";
            if (!File.Exists(file)) return $"{parts[0]} is missing";
            if (new FileInfo(file).Length != size) return $"{parts[0]} has {new FileInfo(file).Length} bytes, the marker says {size}";
        }
        return null;
    }

    /// <summary>
    /// A checkpoint's state.json, every field checked before anything uses it: the step must be the
    /// one the folder is named for, the sample count non-negative, the generator state the engine's
    /// size, and a stored scale factor positive and finite. A marker only proves the files are whole,
    /// not that what they say is sane.
    /// </summary>
    public static TrainingState ReadState(string dir)
    {
        var path = Path.Combine(dir, "state.json");
        TrainingState state;
        try
        {
            state = JsonSerializer.Deserialize<TrainingState>(BoundedFile.ReadAllText(path, BoundedFile.ConfigBytes, "checkpoint state")) ?? throw new InvalidDataException($"{path}: empty");
        }
        catch (JsonException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }

        var problems = new List<string>();
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(dir));
        if (name.StartsWith("step-", StringComparison.Ordinal) && long.TryParse(name["step-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var folderStep))
        {
            if (state.Step != folderStep) problems.Add($"step is {state.Step}, but the checkpoint folder is {name}");
        }
        else if (state.Step < 1) problems.Add($"step must be at least 1 (got {state.Step})");
        if (state.SamplesSeen < 0) problems.Add($"samples_seen must not be negative (got {state.SamplesSeen})");
        if (state.ScaleFactor is { } scale && !(double.IsFinite(scale) && scale > 0)) problems.Add($"scale_factor must be positive and finite (got {scale})");
        var generator = DecodeGenerator(state, dir);
        if (generator.Length != GeneratorStateBytes.Value)
            problems.Add($"generator_state holds {generator.Length} bytes, the engine's generator state has {GeneratorStateBytes.Value}");
        if (problems.Count > 0) throw new InvalidDataException($"{path}: {string.Join("; ", problems)}");
        return state;
    }

    // The size of the engine's CPU generator state (5056 bytes in libtorch 1.13), asked of the engine rather than assumed.
    private static readonly Lazy<int> GeneratorStateBytes = new(() =>
    {
        using var generator = new Generator(0);
        return generator.GetState().Length;
    });

    /// <summary>A tensor file of a checkpoint; a damaged file is an error naming it.</summary>
    public static IReadOnlyDictionary<string, HostTensor> ReadTensors(string dir, string file)
    {
        var path = Path.Combine(dir, file);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: checkpoint file missing", path);
        try { return SafeTensors.Load(path); }
        catch (Exception e) when (e is not InvalidDataException and not FileNotFoundException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    private IEnumerable<(long Step, string Dir)> Steps() =>
        Directory.GetDirectories(Folder, "step-*")
            .Select(d => (Ok: long.TryParse(Path.GetFileName(d)["step-".Length..], out var s), Step: s, Dir: d))
            .Where(x => x.Ok).Select(x => (x.Step, x.Dir));

    private void Prune()
    {
        foreach (var (_, dir) in Steps().Where(s => Verify(s.Dir) is null).OrderByDescending(s => s.Step).Skip(keep))
            Directory.Delete(dir, recursive: true);
    }

    public static byte[] DecodeGenerator(TrainingState state, string dir)
    {
        try { return Convert.FromBase64String(state.GeneratorState); }
        catch (FormatException e) { throw new InvalidDataException($"{Path.Combine(dir, "state.json")}: generator_state is not base64", e); }
    }
}
