using System.Text;
using BrainGen.Torch.Serialization;
using FsCheck;
using FsCheck.Fluent;

namespace BrainGen.Torch.Tests.Serialization;

public class SafeTensorsWriteTests
{
    private static HostTensor Filled(DType dtype, long[] shape, int seed)
    {
        var data = new byte[HostTensor.NumElements(shape) * dtype.ElementSize()];
        new Random(seed).NextBytes(data);
        return new HostTensor(dtype, shape, data);
    }

    [Fact]
    public void Layout_matches_the_reference_serializer_byte_for_byte()
    {
        // huggingface/safetensors tensor.rs `test_serialization`: one F32 [1,2,3] named attn.0.
        var data = new[] { 0f, 1, 2, 3, 4, 5 }.SelectMany(BitConverter.GetBytes).ToArray();
        byte[] bytes = SafeTensors.Serialize(new Dictionary<string, HostTensor> { ["attn.0"] = new(DType.Float32, [1, 2, 3], data) });
        byte[] expected =
        [
            64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
            116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
            58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
            101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
            0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void Empty_file_with_metadata_matches_the_reference()
    {
        // tensor.rs `test_empty`.
        Assert.Equal([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32], SafeTensors.Serialize([]));
        byte[] withMetadata = SafeTensors.Serialize([], new Dictionary<string, string> { ["framework"] = "pt" });
        Assert.Equal("{\"__metadata__\":{\"framework\":\"pt\"}}     ", Encoding.UTF8.GetString(withMetadata, 8, withMetadata.Length - 8));
    }

    [Fact]
    public void Tensors_are_ordered_by_descending_alignment_then_utf8_name()
    {
        var tensors = new Dictionary<string, HostTensor>
        {
            ["b"] = Filled(DType.UInt8, [1], 1),
            ["a"] = Filled(DType.UInt8, [1], 2),
            ["flag"] = Filled(DType.Bool, [2], 3),
            ["half"] = Filled(DType.Float16, [1], 4),
            ["brain"] = Filled(DType.BFloat16, [1], 5),
            ["w"] = Filled(DType.Float32, [1], 6),
            ["d"] = Filled(DType.Float64, [1], 7),
            ["step"] = Filled(DType.Int64, [], 8),
            ["\uE000"] = Filled(DType.Int32, [1], 9),
            ["\U0001F600"] = Filled(DType.Int32, [1], 10),
            ["s"] = Filled(DType.Int16, [1], 11),
            ["c"] = Filled(DType.Int8, [1], 12),
        };
        using var temp = new TempFolder();
        string path = temp.File("order.safetensors");
        SafeTensors.Save(path, tensors);
        using var file = SafeTensorsFile.Open(path);
        // UTF-8 byte order puts U+E000 (EE 80 80) before U+1F600 (F0 9F 98 80); UTF-16 order would not.
        Assert.Equal(["step", "d", "w", "\uE000", "\U0001F600", "brain", "half", "s", "c", "a", "b", "flag"], file.Entries.Select(e => e.Name));
    }

    [Fact]
    public void Names_and_metadata_are_escaped_like_serde_json()
    {
        var tensors = new Dictionary<string, HostTensor> { ["q\"\\\n\u0001é"] = Filled(DType.UInt8, [1], 1) };
        byte[] bytes = SafeTensors.Serialize(tensors, new Dictionary<string, string> { ["k"] = "tab\there <&>" });
        string header = Encoding.UTF8.GetString(bytes, 8, (int)BitConverter.ToInt64(bytes, 0)).TrimEnd(' ');
        Assert.Equal("{\"__metadata__\":{\"k\":\"tab\\there <&>\"},\"q\\\"\\\\\\n\\u0001é\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", header);
        using var temp = new TempFolder();
        using var file = SafeTensorsFile.Open(temp.Write("esc.safetensors", bytes));
        Assert.Equal("q\"\\\n\u0001é", file.Entries.Single().Name);
        Assert.Equal("tab\there <&>", file.Metadata["k"]);
    }

    public static TheoryData<string, Dictionary<string, HostTensor>, string> InvalidInputs => new()
    {
        { "reserved name", new() { ["__metadata__"] = new(DType.UInt8, [0], []) }, "reserved" },
        { "lone surrogate", new() { ["\uD800"] = new(DType.UInt8, [0], []) }, "" },
    };

    [Theory]
    [MemberData(nameof(InvalidInputs))]
    public void Invalid_input_is_refused_and_writes_nothing(string caseName, Dictionary<string, HostTensor> tensors, string fragment)
    {
        using var temp = new TempFolder();
        string path = temp.File("x.safetensors");
        var e = Assert.ThrowsAny<ArgumentException>(() => SafeTensors.Save(path, tensors));
        Assert.Contains(fragment, e.Message);
        Assert.True(Directory.GetFiles(temp.Root).Length == 0, caseName);
    }

    [Fact]
    public void Duplicate_names_in_a_sequence_are_refused()
    {
        var t = Filled(DType.UInt8, [1], 1);
        var e = Assert.Throws<ArgumentException>(() => SafeTensors.Serialize([new("a", t), new("a", t)]));
        Assert.Contains("'a' is given more than once", e.Message);
    }

    [Fact]
    public void Save_replaces_atomically_and_leaves_no_temporary_files()
    {
        using var temp = new TempFolder();
        string path = temp.File("model.safetensors");
        SafeTensors.Save(path, new Dictionary<string, HostTensor> { ["a"] = Filled(DType.Float32, [4], 1) });
        SafeTensors.Save(path, new Dictionary<string, HostTensor> { ["b"] = Filled(DType.Int64, [2], 2) });
        Assert.Equal(["b"], SafeTensors.Load(path).Keys);
        Assert.Equal([path], Directory.GetFiles(temp.Root));
    }

    [Fact]
    public void Saving_over_an_open_file_leaves_its_readers_undisturbed()
    {
        // Rename replaces the folder entry, not the bytes: a mapped reader keeps the old file.
        using var temp = new TempFolder();
        string path = temp.File("model.safetensors");
        var old = Filled(DType.Float32, [1024], 1);
        SafeTensors.Save(path, new Dictionary<string, HostTensor> { ["w"] = old });
        using var reader = SafeTensorsFile.Open(path);
        SafeTensors.Save(path, new Dictionary<string, HostTensor> { ["w"] = Filled(DType.Float32, [1024], 2) });
        Assert.Equal(old.Data, reader.GetBytes("w").ToArray());
        Assert.NotEqual(old.Data, SafeTensors.Load(path)["w"].Data);
    }

    [Fact]
    public void Failed_save_keeps_the_previous_file()
    {
        using var temp = new TempFolder();
        string path = temp.File("model.safetensors");
        SafeTensors.Save(path, new Dictionary<string, HostTensor> { ["a"] = Filled(DType.Float32, [4], 1) });
        byte[] before = File.ReadAllBytes(path);
        Assert.Throws<InvalidOperationException>(() => SafeTensors.Save(path, Failing()));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(temp.Root));

        static IEnumerable<KeyValuePair<string, HostTensor>> Failing()
        {
            yield return new("x", new HostTensor(DType.UInt8, [1], [1]));
            throw new InvalidOperationException("producer failed mid-way");
        }
    }

    private static readonly DType[] AllDTypes =
        [DType.Bool, DType.UInt8, DType.Int8, DType.Int16, DType.Int32, DType.Int64, DType.Float16, DType.BFloat16, DType.Float32, DType.Float64];

    private static Gen<(string Name, HostTensor Tensor)> TensorGen(int index) =>
        from dtype in Gen.Elements(AllDTypes)
        from rank in Gen.Choose(0, 4)
        from shape in Gen.ArrayOf(Gen.Choose(0, 4).Select(d => (long)d), rank)
        from seed in Gen.Choose(0, int.MaxValue)
        from suffix in Gen.Elements("", ".weight", "é", "\"q\"", "\U0001F600", "\n")
        select ($"t{index}{suffix}", Filled(dtype, shape, seed));

    private static Gen<Dictionary<string, string>?> MetadataGen =>
        Gen.Elements<Dictionary<string, string>?>(null, [], new() { ["format"] = "pt", ["é"] = "✓\t" });

    [Fact]
    public void Write_then_read_round_trips_any_tensors()
    {
        var gen =
            from count in Gen.Choose(0, 6)
            from tensors in Gen.CollectToArray(Enumerable.Range(0, count).Select(TensorGen))
            from metadata in MetadataGen
            select (tensors, metadata);
        using var temp = new TempFolder();
        int run = 0;
        Prop.ForAll(gen.ToArbitrary(), input =>
        {
            var (tensors, metadata) = input;
            string path = temp.File($"p{run++}.safetensors");
            SafeTensors.Save(path, tensors.Select(t => KeyValuePair.Create(t.Name, t.Tensor)), metadata);
            Assert.Equal(File.ReadAllBytes(path), SafeTensors.Serialize(tensors.Select(t => KeyValuePair.Create(t.Name, t.Tensor)), metadata));
            using var file = SafeTensorsFile.Open(path);
            Assert.Equal(tensors.Length, file.Entries.Count);
            Assert.Equal(metadata ?? [], file.Metadata.ToDictionary());
            long dataStart = 8 + BitConverter.ToInt64(File.ReadAllBytes(path), 0);
            Assert.Equal(0, dataStart % 8);
            foreach (var (name, tensor) in tensors)
            {
                var read = file.ToHostTensor(name);
                Assert.Equal(tensor.DType, read.DType);
                Assert.Equal(tensor.Shape, read.Shape);
                Assert.Equal(tensor.Data, read.Data);
                // Wide types come first, so each tensor's data is aligned to its element size.
                Assert.Equal(0, (dataStart + file.GetEntry(name).Begin) % tensor.DType.ElementSize());
            }
        }).QuickCheckThrowOnFailure();
    }
}
