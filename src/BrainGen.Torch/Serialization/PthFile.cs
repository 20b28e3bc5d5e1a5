using BrainGen.Imaging;
namespace BrainGen.Torch.Serialization;

/// <summary>
/// Reads PyTorch checkpoints written by <c>torch.save</c> (the zip format of PyTorch 1.6 and
/// later, <c>.pt</c>/<c>.pth</c>/<c>.ckpt</c>) in pure C#, without libtorch and without running
/// any pickle code: the pickle is interpreted by an allowlist-only machine that knows tensors,
/// storages, dicts, lists, tuples and scalars, and refuses everything else with an error naming
/// the file, the global or opcode, and its byte offset.
/// </summary>
/// <remarks>
/// The object graph holds: <c>null</c>, <see cref="bool"/>, <see cref="long"/>,
/// <see cref="System.Numerics.BigInteger"/> (ints beyond 64 bits), <see cref="double"/>,
/// <see cref="string"/>, <see cref="T:byte[]"/>, <see cref="PickleTuple"/>,
/// <c>List&lt;object?&gt;</c>, <see cref="PickleDict"/> and <see cref="HostTensor"/> (tensors and
/// parameters, materialized C-contiguous; views become independent copies). A pickle may refer
/// to one object twice (or to itself), so the graph can contain shared or cyclic references.
/// </remarks>
public static class PthFile
{
    /// <summary>Reads the whole object a checkpoint holds.</summary>
    public static object? Read(string path, PthReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = BoundedFile.OpenRead(path, "checkpoint");
        return Read(stream, path, options);
    }

    /// <summary>Reads from a seekable stream, which is left open; <paramref name="name"/> starts every error message.</summary>
    public static object? Read(Stream stream, string name, PthReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= PthReadOptions.Default;
        using var archive = PthArchive.Open(stream, name);
        bool bigEndian = archive.ReadBigEndian();
        byte[] pickle = archive.ReadPickle(options.MaxPickleBytes);
        var host = new TorchPickleHost(archive, options);
        var limits = new PickleLimits(options.MaxPickleObjects);
        object? root = new PickleMachine(pickle, name, host, limits).Run();
        TensorMaterializer.Fill(archive, host.Pending, bigEndian);
        return root;
    }

    /// <summary>
    /// Reads a state_dict: name -> tensor in file order. The file may hold a bare state_dict, or
    /// a checkpoint dict holding one under a key (MONAI "network", Lightning "state_dict",
    /// "model", ...). With <paramref name="key"/> null the state_dict is found when it is
    /// unambiguous; otherwise the error lists the top-level keys to choose from.
    /// </summary>
    public static IReadOnlyDictionary<string, HostTensor> ReadStateDict(string path, string? key = null, PthReadOptions? options = null) =>
        SelectStateDict(Read(path, options), path, key);

    /// <summary>Picks the state_dict out of an object read by <see cref="Read(string, PthReadOptions?)"/>.</summary>
    public static IReadOnlyDictionary<string, HostTensor> SelectStateDict(object? root, string name, string? key = null)
    {
        if (root is not PickleDict top)
            throw new InvalidDataException($"{name}: holds {PickleMachine.TypeName(root)}, not a dict, so no state_dict");
        if (key is not null)
        {
            if (!top.TryGetValue(key, out var value))
                throw new InvalidDataException($"{name}: has no top-level key '{key}' (keys: {ListKeys(top)})");
            return AsStateDict(value) ?? throw new InvalidDataException($"{name}: '{key}' holds {Describe(value)}, not a dict of tensors by name");
        }
        if (AsStateDict(top) is { } bare)
            return bare;
        var candidates = top.Where(kv => kv.Key is string && AsStateDict(kv.Value) is { Count: > 0 }).Select(kv => (string)kv.Key).ToList();
        if (candidates.Count == 1)
            return AsStateDict(top[candidates[0]])!;
        string[] preferred = ["state_dict", "model", "model_state_dict", "network", "net"];
        var named = candidates.Where(preferred.Contains).ToList();
        if (named.Count == 1)
            return AsStateDict(top[named[0]])!;
        throw new InvalidDataException(candidates.Count == 0
            ? $"{name}: no state_dict found: neither the file nor any top-level value is a dict of tensors by name (keys: {ListKeys(top)})"
            : $"{name}: holds several state_dicts ({string.Join(", ", candidates.Select(c => $"'{c}'"))}); pass the key to read (keys: {ListKeys(top)})");
    }

    /// <summary>The dict as name -> tensor if every key is a string and every value a tensor.</summary>
    private static OrderedDictionary<string, HostTensor>? AsStateDict(object? value)
    {
        if (value is not PickleDict dict)
            return null;
        var result = new OrderedDictionary<string, HostTensor>(dict.Count, StringComparer.Ordinal);
        foreach (var (k, v) in dict)
        {
            if (k is not string name || v is not HostTensor tensor)
                return null;
            result.Add(name, tensor);
        }
        return result;
    }

    private static string Describe(object? value) => value is PickleDict d
        ? $"a dict of {d.Count} entries with non-string keys or non-tensor values"
        : PickleMachine.TypeName(value);

    private static string ListKeys(PickleDict dict)
    {
        const int Shown = 20;
        var keys = dict.Keys.Take(Shown).Select(k => k is string s ? $"'{s}'" : k.ToString());
        return string.Join(", ", keys) + (dict.Count > Shown ? $", ... ({dict.Count} in all)" : "");
    }
}
