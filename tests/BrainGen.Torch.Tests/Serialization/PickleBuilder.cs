using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace BrainGen.Torch.Tests.Serialization;

/// <summary>Writes pickle opcodes by hand, to build hostile or unusual data.pkl payloads.</summary>
internal sealed class PickleBuilder
{
    private readonly List<byte> _bytes = [];

    public int Length => _bytes.Count;

    public PickleBuilder Op(params byte[] bytes) { _bytes.AddRange(bytes); return this; }
    public PickleBuilder Op(char op, params byte[] operands) => Op((byte)op).Op(operands);
    public PickleBuilder Proto(byte version = 2) => Op(0x80, version);
    public PickleBuilder Mark() => Op('(');
    public PickleBuilder Stop() => Op('.');
    public PickleBuilder Tuple() => Op('t');
    public PickleBuilder Reduce() => Op('R');
    public PickleBuilder None() => Op('N');
    public PickleBuilder False() => Op(0x89);
    public PickleBuilder EmptyDict() => Op('}');
    public PickleBuilder EmptyList() => Op(']');
    public PickleBuilder EmptyTuple() => Op(')');

    public PickleBuilder Global(string module, string name) => Op('c').Op(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));

    public PickleBuilder Str(string s)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(s);
        Op('X').Op(BitConverter.GetBytes((uint)utf8.Length));
        return Op(utf8);
    }

    public PickleBuilder Int(long v)
    {
        if (v is >= 0 and <= 255) return Op('K').Op((byte)v);
        if (v is >= int.MinValue and <= int.MaxValue) return Op('J').Op(BitConverter.GetBytes((int)v));
        return Op(0x8a, 8).Op(BitConverter.GetBytes(v));
    }

    public PickleBuilder Ints(IEnumerable<long> values)
    {
        Mark();
        foreach (long v in values) Int(v);
        return Tuple();
    }

    /// <summary>A tensor as torch.save writes it: _rebuild_tensor_v2((storage id), offset, size, stride, False, OrderedDict()).</summary>
    public PickleBuilder Tensor(string storageClass, string key, long numel, long offset, long[] size, long[] stride)
    {
        Global("torch._utils", "_rebuild_tensor_v2").Mark();
        Mark().Str("storage").Global("torch", storageClass).Str(key).Str("cpu").Int(numel).Tuple().Op('Q');
        Int(offset).Ints(size).Ints(stride).False();
        Global("collections", "OrderedDict").EmptyTuple().Reduce();
        return Tuple().Reduce();
    }

    public byte[] ToArray() => [.. _bytes];
}

/// <summary>Packs a data.pkl and storage records into a torch.save-shaped zip.</summary>
internal static class PthZip
{
    public static byte[] Build(byte[] pickle, IReadOnlyDictionary<string, byte[]>? storages = null, string folder = "archive",
        IReadOnlyDictionary<string, byte[]>? extra = null, bool compressStorages = false)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, $"{folder}/data.pkl", pickle, false);
            foreach (var (key, data) in storages ?? new Dictionary<string, byte[]>())
                Add(zip, $"{folder}/data/{key}", data, compressStorages);
            Add(zip, $"{folder}/version", Encoding.ASCII.GetBytes("3\n"), false);
            foreach (var (name, data) in extra ?? new Dictionary<string, byte[]>())
                Add(zip, name, data, false);
        }
        return memory.ToArray();
    }

    private static void Add(ZipArchive zip, string name, byte[] data, bool compress)
    {
        var entry = zip.CreateEntry(name, compress ? CompressionLevel.SmallestSize : CompressionLevel.NoCompression);
        using var stream = entry.Open();
        stream.Write(data);
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }
}
