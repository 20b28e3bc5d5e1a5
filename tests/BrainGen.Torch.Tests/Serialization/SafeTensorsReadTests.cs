using System.Text;
using BrainGen.Torch.Serialization;

namespace BrainGen.Torch.Tests.Serialization;

public class SafeTensorsReadTests
{
    private const string Fixture = "every_dtype.safetensors";

    [Fact]
    public void Python_written_file_reads_bit_exact()
    {
        using var file = SafeTensorsFile.Open(Fixtures.PathOf(Fixture));
        var expected = Fixtures.ExpectedTensors(Fixture).ToList();
        Assert.Equal(expected.Select(e => e.Path).Order(StringComparer.Ordinal), file.Entries.Select(e => e.Name).Order(StringComparer.Ordinal));
        foreach (var (name, dtype, shape, bytes) in expected)
        {
            var entry = file.GetEntry(name);
            Assert.Equal(dtype, Fixtures.SafeTensorsName(entry.DType));
            Assert.Equal(shape, entry.Shape);
            Assert.Equal(bytes, file.GetBytes(name).ToArray());
            var host = file.ToHostTensor(name);
            Assert.Equal(shape, host.Shape);
            Assert.Equal(bytes, host.Data);
        }
    }

    [Fact]
    public void Metadata_is_read()
    {
        using var file = SafeTensorsFile.Open(Fixtures.PathOf(Fixture));
        var expected = Fixtures.ExpectedFor(Fixture).GetProperty("__metadata__").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetString()!);
        Assert.Equal(expected.OrderBy(kv => kv.Key), file.Metadata.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void Rewriting_the_python_file_gives_identical_bytes()
    {
        // The fixture was written by a Python writer that follows the reference library's layout
        // (dtype alignment then name, serde_json escaping, space padding): our writer must agree.
        byte[] original = File.ReadAllBytes(Fixtures.PathOf(Fixture));
        using var file = SafeTensorsFile.Open(Fixtures.PathOf(Fixture));
        byte[] rewritten = SafeTensors.Serialize(file.ToHostTensors(), file.Metadata);
        Assert.Equal(original, rewritten);
    }

    [Fact]
    public void Entries_are_in_file_order_and_data_is_aligned()
    {
        using var file = SafeTensorsFile.Open(Fixtures.PathOf(Fixture));
        long previousEnd = 0;
        foreach (var e in file.Entries)
        {
            Assert.Equal(previousEnd, e.Begin);
            previousEnd = e.End;
        }
        long headerLength = BitConverter.ToInt64(File.ReadAllBytes(Fixtures.PathOf(Fixture)), 0);
        Assert.Equal(0, headerLength % 8);
    }

    [Fact]
    public void Load_returns_every_tensor_in_file_order()
    {
        var all = SafeTensors.Load(Fixtures.PathOf(Fixture));
        using var file = SafeTensorsFile.Open(Fixtures.PathOf(Fixture));
        Assert.Equal(file.Entries.Select(e => e.Name), all.Keys);
        Assert.Equal(DType.BFloat16, all["bf16"].DType);
        Assert.Empty(all["empty_i8"].Data);
        Assert.Empty(all["scalar_f32"].Shape);
        Assert.Equal(2.75f, BitConverter.ToSingle(all["scalar_f32"].Data));
    }

    [Fact]
    public void Unknown_tensor_name_is_a_clear_error()
    {
        using var file = SafeTensorsFile.Open(Fixtures.PathOf(Fixture));
        Assert.False(file.Contains("missing"));
        var e = Assert.Throws<KeyNotFoundException>(() => file.GetEntry("missing"));
        Assert.Contains("'missing'", e.Message);
        Assert.StartsWith(Fixtures.PathOf(Fixture), e.Message);
    }

    [Fact]
    public void Spans_are_unavailable_after_dispose()
    {
        var file = SafeTensorsFile.Open(Fixtures.PathOf(Fixture));
        file.Dispose();
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.GetBytes("f32").Length);
    }

    public static TheoryData<string, int, int> ValidHeaders => new()
    {
        // Header JSON (before padding), data length, expected tensor count.
        { "{}", 0, 0 },
        { "  \n{}", 0, 0 },
        { "{\"__metadata__\":{}}", 0, 0 },
        { "{\"__metadata__\":{\"a\":\"b\",\"é\":\"✓\"}}", 0, 0 },
        { "{\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", 4, 1 },
        { "{\"e\":{\"dtype\":\"I64\",\"shape\":[0,5],\"data_offsets\":[0,0]},\"f\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}", 0, 2 },
        // Any order in the JSON; offsets decide the layout.
        { "{\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[4,6]},\"a\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 6, 2 },
        // Field order inside a tensor is free.
        { "{\"a\":{\"data_offsets\":[0,2],\"shape\":[1],\"dtype\":\"BF16\"}}", 2, 1 },
        // Zero-length tensors sharing an offset with a real one are not overlaps.
        { "{\"z\":{\"dtype\":\"F64\",\"shape\":[0],\"data_offsets\":[8,8]},\"a\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[8,9]}}", 9, 3 },
    };

    [Theory]
    [MemberData(nameof(ValidHeaders))]
    public void Valid_edge_cases_open(string json, int dataLength, int count)
    {
        using var temp = new TempFolder();
        string path = temp.Write("ok.safetensors", SafeTensorsCorpus.Build(json, new byte[dataLength]));
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(count, file.Entries.Count);
        Assert.Equal(dataLength, file.Entries.Sum(e => e.ByteLength));
        foreach (var e in file.Entries)
            Assert.Equal(e.ByteLength, file.ToHostTensor(e.Name).Data.LongLength);
    }

    [Fact]
    public void Unpadded_header_is_accepted()
    {
        using var temp = new TempFolder();
        byte[] json = Encoding.UTF8.GetBytes("{\"a\":{\"dtype\":\"I8\",\"shape\":[3],\"data_offsets\":[0,3]}}");
        string path = temp.Write("odd.safetensors", SafeTensorsCorpus.Raw((ulong)json.Length, json, [1, 2, 0xFF]));
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(new byte[] { 1, 2, 0xFF }, file.GetBytes("a").ToArray());
    }
}
