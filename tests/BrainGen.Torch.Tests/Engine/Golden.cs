using System.Text.Json;
using BrainGen.Torch.Serialization;

namespace BrainGen.Torch.Tests.Engine;

/// <summary>
/// The PyTorch golden fixtures written by tools/fixtures/make_engine_fixtures.py: cases.json lists
/// each case (group, kind, arguments) and &lt;group&gt;.safetensors holds its tensors under
/// "&lt;case&gt;/&lt;role&gt;/&lt;name&gt;". Found by walking up from the test binaries to the source tree, so
/// no copy step can serve stale files.
/// </summary>
internal static class Golden
{
    private static readonly Lazy<string> Folder = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "BrainGen.Torch.Tests", "Fixtures", "engine");
            if (File.Exists(Path.Combine(candidate, "cases.json"))) return candidate;
        }
        throw new DirectoryNotFoundException("Fixtures/engine not found above " + AppContext.BaseDirectory);
    });

    private static readonly Lazy<JsonElement> Groups = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder.Value, "cases.json"))).RootElement.GetProperty("groups"));

    private static readonly Dictionary<string, IReadOnlyDictionary<string, HostTensor>> Tensors = [];

    private static IReadOnlyDictionary<string, HostTensor> TensorsOf(string group)
    {
        lock (Tensors)
        {
            if (!Tensors.TryGetValue(group, out var all))
                Tensors[group] = all = SafeTensors.Load(Path.Combine(Folder.Value, group + ".safetensors"));
            return all;
        }
    }

    /// <summary>xunit MemberData rows: the names of a group's cases, optionally only of some kinds.</summary>
    public static TheoryData<string> Names(string group, params string[] kinds)
    {
        var data = new TheoryData<string>();
        foreach (var c in Groups.Value.GetProperty(group).EnumerateObject())
            if (kinds.Length == 0 || kinds.Contains(c.Value.GetProperty("kind").GetString()))
                data.Add(c.Name);
        return data;
    }

    public static GoldenCase Case(string group, string name) =>
        new(name, Groups.Value.GetProperty(group).GetProperty(name), TensorsOf(group));
}

/// <summary>One row of the fixture table.</summary>
internal sealed class GoldenCase(string name, JsonElement json, IReadOnlyDictionary<string, HostTensor> tensors)
{
    public string Name { get; } = name;
    public string Kind { get; } = json.GetProperty("kind").GetString()!;
    public JsonElement Args { get; } = json.GetProperty("args");

    public bool Has(string key) => tensors.ContainsKey($"{Name}/{key}");

    public HostTensor this[string key] => tensors.TryGetValue($"{Name}/{key}", out var t)
        ? t : throw new KeyNotFoundException($"fixture case {Name} has no tensor {key}");

    /// <summary>Tensors under "role/", keyed by the rest of their name, in the order Python wrote them.</summary>
    public List<KeyValuePair<string, HostTensor>> Role(string role)
    {
        string prefix = $"{Name}/{role}/";
        return tensors.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(e => new KeyValuePair<string, HostTensor>(e.Key[prefix.Length..], e.Value)).ToList();
    }

    public bool Has(string arg, out JsonElement value) => Args.TryGetProperty(arg, out value) && value.ValueKind != JsonValueKind.Null;
    public long Long(string arg) => Args.GetProperty(arg).GetInt64();
    public double Double(string arg) => Args.GetProperty(arg) is { ValueKind: JsonValueKind.String } s && s.GetString() == "inf"
        ? double.PositiveInfinity : Args.GetProperty(arg).GetDouble();
    public bool Bool(string arg, bool fallback = false) => Args.TryGetProperty(arg, out var v) ? v.GetBoolean() : fallback;
    public string Str(string arg) => Args.GetProperty(arg).GetString()!;
    public long[] Longs(string arg) => Args.GetProperty(arg).EnumerateArray().Select(e => e.GetInt64()).ToArray();
    public double[] Doubles(string arg) => Args.GetProperty(arg).EnumerateArray().Select(e => e.GetDouble()).ToArray();
    /// <summary>An integer JSON number as an integer Scalar (as Python passes it), anything else as a double.</summary>
    public Scalar Scalar(string arg) => Args.GetProperty(arg).TryGetInt64(out var n) ? new Scalar(n) : new Scalar(Args.GetProperty(arg).GetDouble());
    public long? OptLong(string arg) => Has(arg, out var v) ? v.GetInt64() : null;

    public static DType DTypeOf(string safetensorsName) => safetensorsName switch
    {
        "BOOL" => DType.Bool, "U8" => DType.UInt8, "I32" => DType.Int32, "I64" => DType.Int64,
        "F16" => DType.Float16, "BF16" => DType.BFloat16, "F32" => DType.Float32, "F64" => DType.Float64,
        _ => throw new ArgumentOutOfRangeException(nameof(safetensorsName), safetensorsName, "dtype name"),
    };
}
