using System.Numerics;
using BrainGen.Torch.Serialization;

namespace BrainGen.Torch.Tests.Serialization;

/// <summary>
/// Large checkpoints must cost one copy: bytes go from the file (page cache or zip record)
/// straight into the HostTensor. Measured as managed bytes allocated on this thread.
/// </summary>
public class SerializationCopyTests
{
    private const int TensorBytes = 16 << 20;
    private const long Slack = 2 << 20;

    private static HostTensor Big()
    {
        var data = new byte[TensorBytes];
        new Random(7).NextBytes(data);
        return new HostTensor(DType.Float32, [TensorBytes / 4], data);
    }

    [Fact]
    public void Safetensors_read_copies_once_and_spans_copy_nothing()
    {
        var tensor = Big();
        using var temp = new TempFolder();
        string path = temp.File("big.safetensors");
        SafeTensors.Save(path, new Dictionary<string, HostTensor> { ["w"] = tensor });

        using var file = SafeTensorsFile.Open(path);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int checksum = 0;
        var span = file.GetBytes("w");
        for (int i = 0; i < span.Length; i += 4096) checksum += span[i];
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 10, "GetBytes allocated");
        Assert.NotEqual(-1, checksum);

        before = GC.GetAllocatedBytesForCurrentThread();
        var read = SafeTensors.Load(path)["w"];
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(tensor.Data, read.Data);
        Assert.InRange(allocated, TensorBytes, TensorBytes + Slack);
    }

    [Fact]
    public void Pth_storages_stream_into_their_tensors()
    {
        var tensor = Big();
        var pickle = new PickleBuilder().Proto().EmptyDict().Str("w")
            .Tensor("FloatStorage", "0", TensorBytes / 4, 0, [TensorBytes / 4], [1]).Op('s').Stop().ToArray();
        using var temp = new TempFolder();
        string path = temp.Write("big.pt", PthZip.Build(pickle, new Dictionary<string, byte[]> { ["0"] = tensor.Data }));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var read = PthFile.ReadStateDict(path)["w"];
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(tensor.Data, read.Data);
        Assert.InRange(allocated, TensorBytes, TensorBytes + Slack);
    }

    [Fact]
    public void Large_python_ints_keep_their_value_and_small_ones_are_longs()
    {
        var root = Assert.IsType<PickleDict>(PthFile.Read(Fixtures.PathOf("nested.pt")));
        Assert.Equal(1L << 40, Assert.IsType<long>(root["big"]));
        Assert.Equal(BigInteger.Pow(2, 70) + 3, Assert.IsType<BigInteger>(root["huge"]));
        Assert.Equal(-BigInteger.Pow(2, 65), Assert.IsType<BigInteger>(root["huge_negative"]));
        Assert.Equal(-70000L, root["negative"]);
    }

    public static TheoryData<string, byte[], object> NumpyScalars => new()
    {
        { "f8 big-endian", [0x3F, 0xEE, 0, 0, 0, 0, 0, 0], 0.9375 },
        { "i4 big-endian", [0xFF, 0xFF, 0xFF, 0xFE], -2L },
        { "u8 beyond long", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], new BigInteger(ulong.MaxValue) },
        { "f2 big-endian", [0x3C, 0x00], 1.0 },
        { "b1", [1], true },
    };

    [Theory]
    [MemberData(nameof(NumpyScalars))]
    public void Numpy_scalars_honour_dtype_and_byte_order(string code, byte[] bigEndianBytes, object expected)
    {
        string dtype = code.Split(' ')[0];
        var pickle = new PickleBuilder().Proto(3).Global("numpy.core.multiarray", "scalar")
            .Global("numpy", "dtype").Str(dtype).False().Op(0x88).Op(0x87).Reduce()
            .Mark().Int(3).Str(dtype == "b1" ? "|" : ">").None().None().None().Int(-1).Int(-1).Int(0).Tuple().Op('b')
            .Op('C', (byte)bigEndianBytes.Length).Op(bigEndianBytes).Op(0x86).Reduce().Stop().ToArray();
        using var temp = new TempFolder();
        string path = temp.Write("scalar.pt", PthZip.Build(pickle));
        Assert.Equal(expected, PthFile.Read(path, PthReadOptions.Tolerant));
    }
}
