using System.Text.Json;

namespace BrainGen.Torch.Tests.Serialization;

/// <summary>
/// The committed files written by tools/fixtures/make_serialization_fixtures.py (PyTorch
/// 1.13.1) and their expected contents (expected.json), found by walking up from the test
/// binaries to the source tree so no copy step can serve stale files.
/// </summary>
internal static class Fixtures
{
    private static readonly Lazy<string> Folder = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "BrainGen.Torch.Tests", "Fixtures", "serialization");
            if (File.Exists(Path.Combine(candidate, "expected.json")))
                return candidate;
        }
        throw new DirectoryNotFoundException("Fixtures/serialization not found above " + AppContext.BaseDirectory);
    });

    private static readonly Lazy<JsonElement> Expected = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder.Value, "expected.json"))).RootElement);

    public static string PathOf(string name) => Path.Combine(Folder.Value, name);

    /// <summary>The expected entries of one fixture: graph path -> description (kind, dtype, shape, hex, value...).</summary>
    public static JsonElement ExpectedFor(string fixture) => Expected.Value.GetProperty(fixture);

    /// <summary>Expected tensors of a fixture, keyed by graph path, in file order.</summary>
    public static IEnumerable<(string Path, string DType, long[] Shape, byte[] Bytes)> ExpectedTensors(string fixture)
    {
        foreach (var p in ExpectedFor(fixture).EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Object || !p.Value.TryGetProperty("kind", out var kind) || kind.GetString() != "tensor")
                continue;
            yield return (p.Name,
                p.Value.GetProperty("dtype").GetString()!,
                p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray(),
                Convert.FromHexString(p.Value.GetProperty("hex").GetString()!));
        }
    }

    public static string SafeTensorsName(DType dtype) => dtype switch
    {
        DType.Bool => "BOOL", DType.UInt8 => "U8", DType.Int8 => "I8", DType.Int16 => "I16",
        DType.Int32 => "I32", DType.Int64 => "I64", DType.Float16 => "F16", DType.BFloat16 => "BF16",
        DType.Float32 => "F32", DType.Float64 => "F64", _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };
}

/// <summary>A private temporary folder per test, removed afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Root);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "braingen-serialization-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => Path.Combine(Root, name);

    public string Write(string name, byte[] bytes)
    {
        string path = File(name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
