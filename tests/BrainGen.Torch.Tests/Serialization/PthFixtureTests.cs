using System.Globalization;
using System.Numerics;
using System.Text.Json;
using BrainGen.Torch.Serialization;

namespace BrainGen.Torch.Tests.Serialization;

public class PthFixtureTests
{
    public static TheoryData<string> Fixtures_written_by_torch => new()
    {
        "tiny_state_dict.pt", "parameters.pt", "every_dtype.pt", "views.pt", "nested.pt",
        "nested_protocol4.pt", "small.pt", "small_big_endian.pt", "monai_checkpoint.pt",
    };

    [Theory]
    [MemberData(nameof(Fixtures_written_by_torch))]
    public void Object_graph_matches_pytorch_exactly(string fixture)
    {
        object? root = PthFile.Read(Fixtures.PathOf(fixture), PthReadOptions.Tolerant);
        var actual = new Dictionary<string, string>();
        Describe(root, "", actual);
        var expected = new Dictionary<string, string>();
        foreach (var p in Fixtures.ExpectedFor(fixture).EnumerateObject())
            if (p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("kind", out _))
                expected[p.Name] = Canonical(p.Value);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, value) in expected)
            Assert.True(value == actual[path], $"{fixture} at '{path}': expected {value}, read {actual[path]}");
    }

    /// <summary>The same flattening as describe() in make_serialization_fixtures.py.</summary>
    private static void Describe(object? value, string path, Dictionary<string, string> output)
    {
        string Child(object key) => path.Length == 0 ? Key(key) : $"{path}/{Key(key)}";
        switch (value)
        {
            case HostTensor t:
                output[path] = $"tensor {Fixtures.SafeTensorsName(t.DType)} [{string.Join(",", t.Shape)}] {Convert.ToHexStringLower(t.Data)}";
                break;
            case PickleDict d:
                output[path] = $"dict [{string.Join(",", d.Keys.Select(k => k is long n ? $"int:{n}" : $"str:{k}"))}]";
                foreach (var (k, v) in d) Describe(v, Child(k), output);
                break;
            case List<object?> list:
                output[path] = $"list {list.Count}";
                for (int i = 0; i < list.Count; i++) Describe(list[i], Child((long)i), output);
                break;
            case PickleTuple tuple:
                output[path] = $"tuple {tuple.Count}";
                for (int i = 0; i < tuple.Count; i++) Describe(tuple[i], Child((long)i), output);
                break;
            case null: output[path] = "none"; break;
            case bool b: output[path] = $"bool {b}"; break;
            case long or BigInteger: output[path] = $"int {value}"; break;
            case double x: output[path] = $"float {Convert.ToHexStringLower(BitConverter.GetBytes(x))}"; break;
            case string s: output[path] = $"str {s}"; break;
            default: throw new InvalidOperationException($"unexpected {value.GetType()} at {path}");
        }
    }

    private static string Key(object key) => Convert.ToString(key, CultureInfo.InvariantCulture)!;

    private static string Canonical(JsonElement e) => e.GetProperty("kind").GetString() switch
    {
        "tensor" => $"tensor {e.GetProperty("dtype").GetString()} [{string.Join(",", e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()))}] {e.GetProperty("hex").GetString()}",
        "dict" => $"dict [{string.Join(",", e.GetProperty("keys").EnumerateArray().Select(k => k.TryGetProperty("int", out var n) ? $"int:{n.GetInt64()}" : $"str:{k.GetProperty("str").GetString()}"))}]",
        "list" => $"list {e.GetProperty("length").GetInt32()}",
        "tuple" => $"tuple {e.GetProperty("length").GetInt32()}",
        "none" => "none",
        "bool" => $"bool {e.GetProperty("value").GetBoolean()}",
        "int" => $"int {e.GetProperty("value").GetString()}",
        "float" => $"float {e.GetProperty("bits").GetString()}",
        "str" => $"str {e.GetProperty("value").GetString()}",
        var kind => throw new InvalidOperationException($"unknown kind {kind}"),
    };

    [Fact]
    public void State_dict_metadata_is_kept_as_attributes()
    {
        var root = Assert.IsType<PickleDict>(PthFile.Read(Fixtures.PathOf("tiny_state_dict.pt")));
        var metadata = Assert.IsType<PickleDict>(root.Attributes!["_metadata"]);
        var expected = Fixtures.ExpectedFor("tiny_state_dict.pt").GetProperty("_metadata_keys").EnumerateArray().Select(k => k.GetString()!);
        Assert.Equal(expected, metadata.Keys.Cast<string>());
        Assert.Equal(2L, Assert.IsType<PickleDict>(metadata["2"])["version"]);
    }

    [Fact]
    public void Views_are_independent_contiguous_copies_of_shared_storage()
    {
        var views = PthFile.ReadStateDict(Fixtures.PathOf("views.pt"));
        float[] At(string name) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(views[name].Data).ToArray();
        Assert.Equal([0f, 6, 12, 18, 1, 7], At("transposed")[..6]);
        Assert.Equal([8f, 9, 10, 14, 15, 16, 20, 21, 22], At("block"));
        Assert.Equal([23f], At("scalar_view"));
        Assert.Empty(views["scalar_view"].Shape);
        Assert.NotSame(views["base"].Data, views["row"].Data);
    }

    [Fact]
    public void Parameters_read_as_plain_tensors()
    {
        var parameters = PthFile.ReadStateDict(Fixtures.PathOf("parameters.pt"));
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias", "4.weight", "4.bias"], parameters.Keys);
    }

    [Fact]
    public void Big_endian_storages_are_converted()
    {
        var little = PthFile.ReadStateDict(Fixtures.PathOf("small.pt"));
        var big = PthFile.ReadStateDict(Fixtures.PathOf("small_big_endian.pt"));
        Assert.Equal(little.Keys, big.Keys);
        foreach (var (name, tensor) in little)
            Assert.Equal(tensor.Data, big[name].Data);
    }

    [Fact]
    public void Monai_checkpoint_reads_numpy_scalars_as_numbers_in_tolerant_mode()
    {
        var root = Assert.IsType<PickleDict>(PthFile.Read(Fixtures.PathOf("monai_checkpoint.pt"), PthReadOptions.Tolerant));
        Assert.Equal(0.9375, root["best_metric"]);
        Assert.Equal(4L, root["best_metric_epoch"]);
        Assert.Equal(0.5, root["metric_f32"]);
        Assert.Equal(true, root["is_best"]);
    }

    [Fact]
    public void Numpy_scalars_are_refused_by_default_with_a_hint()
    {
        string path = Fixtures.PathOf("monai_checkpoint.pt");
        var e = Assert.Throws<InvalidDataException>(() => PthFile.Read(path));
        Assert.StartsWith(path + ": pickle GLOBAL 'numpy.core.multiarray scalar' at byte ", e.Message);
        Assert.Contains("PthReadOptions.AllowNumpyScalars", e.Message);
    }

    [Fact]
    public void State_dict_is_found_inside_a_checkpoint()
    {
        var network = PthFile.ReadStateDict(Fixtures.PathOf("monai_checkpoint.pt"), options: PthReadOptions.Tolerant);
        var bare = PthFile.ReadStateDict(Fixtures.PathOf("tiny_state_dict.pt"));
        Assert.Equal(bare.Keys, network.Keys);
        Assert.Equal(bare.Values.Select(t => t.Shape), network.Values.Select(t => t.Shape));
    }

    [Fact]
    public void State_dict_key_can_be_named_and_errors_list_the_keys()
    {
        string path = Fixtures.PathOf("nested.pt");
        var none = Assert.Throws<InvalidDataException>(() => PthFile.ReadStateDict(path));
        Assert.StartsWith($"{path}: no state_dict found", none.Message);
        var monai = PthFile.ReadStateDict(Fixtures.PathOf("monai_checkpoint.pt"), "network", PthReadOptions.Tolerant);
        Assert.Equal(PthFile.ReadStateDict(Fixtures.PathOf("tiny_state_dict.pt")).Keys, monai.Keys);
        var missing = Assert.Throws<InvalidDataException>(() => PthFile.ReadStateDict(path, "state_dict"));
        Assert.Contains("has no top-level key 'state_dict' (keys: 'name', 'epoch', 'lr'", missing.Message);
        var notTensors = Assert.Throws<InvalidDataException>(() => PthFile.ReadStateDict(path, "by_int"));
        Assert.Contains("'by_int' holds a dict of 2 entries with non-string keys", notTensors.Message);
    }

    [Fact]
    public void Several_candidate_state_dicts_are_ambiguous()
    {
        var sd = new PickleBuilder().Proto().EmptyDict().Mark()
            .Str("ema").EmptyDict().Mark().Str("w").Tensor("FloatStorage", "0", 1, 0, [1], [1]).Op('u')
            .Str("student").EmptyDict().Mark().Str("w").Tensor("FloatStorage", "0", 1, 0, [1], [1]).Op('u')
            .Op('u').Stop().ToArray();
        using var temp = new TempFolder();
        string path = temp.Write("two.pt", PthZip.Build(sd, new Dictionary<string, byte[]> { ["0"] = PthZip.Floats(1) }));
        var e = Assert.Throws<InvalidDataException>(() => PthFile.ReadStateDict(path));
        Assert.Equal($"{path}: holds several state_dicts ('ema', 'student'); pass the key to read (keys: 'ema', 'student')", e.Message);
        Assert.Equal([1f], System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(PthFile.ReadStateDict(path, "ema")["w"].Data).ToArray());
    }
}
