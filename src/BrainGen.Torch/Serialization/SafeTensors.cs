using System.Buffers.Binary;
using BrainGen.Imaging;

namespace BrainGen.Torch.Serialization;

/// <summary>
/// Reads and writes the safetensors format (huggingface/safetensors): an 8-byte little-endian
/// header length N, N bytes of JSON describing each tensor, then the tensors' bytes packed in
/// C order, little-endian. It is BrainGen's format for its own checkpoints because loading one can
/// never run code, unlike a pickle.
/// </summary>
public static class SafeTensors
{
    /// <summary>Largest header readers accept, the reference implementation's limit.</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>Reads every tensor of a safetensors file, in the order of their bytes in the file.</summary>
    public static IReadOnlyDictionary<string, HostTensor> Load(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        return file.ToHostTensors();
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> (and optional string metadata) to <paramref name="path"/>
    /// atomically: a crash or full disk leaves the previous file intact. Tensors are laid out as
    /// the reference library lays them out (see <see cref="SafeTensorsHeaderWriter"/>), so the
    /// bytes equal those of Python's <c>safetensors.torch.save_file</c> for the same input.
    /// </summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, HostTensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        // Validate and lay out before creating anything on disk.
        var ordered = SafeTensorsHeaderWriter.Order(tensors, path);
        byte[] header = SafeTensorsHeaderWriter.Build(ordered, metadata);
        AtomicFile.Write(path, stream => WriteTo(stream, ordered, header));
    }

    /// <summary>The file's bytes in memory, for small payloads and tests.</summary>
    public static byte[] Serialize(IEnumerable<KeyValuePair<string, HostTensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var ordered = SafeTensorsHeaderWriter.Order(tensors, "<memory>");
        byte[] header = SafeTensorsHeaderWriter.Build(ordered, metadata);
        using var stream = new MemoryStream();
        WriteTo(stream, ordered, header);
        return stream.ToArray();
    }

    /// <summary>Writes the format to any stream (not atomically: prefer <see cref="Save"/> for files).</summary>
    public static void Write(Stream stream, IEnumerable<KeyValuePair<string, HostTensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        var ordered = SafeTensorsHeaderWriter.Order(tensors, "<stream>");
        WriteTo(stream, ordered, SafeTensorsHeaderWriter.Build(ordered, metadata));
    }

    private static void WriteTo(Stream stream, List<KeyValuePair<string, HostTensor>> ordered, byte[] header)
    {
        Span<byte> prelude = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prelude, (ulong)header.Length);
        stream.Write(prelude);
        stream.Write(header);
        // HostTensor data is already C-contiguous little-endian: written as is, no copy.
        foreach (var kv in ordered)
            stream.Write(kv.Value.Data);
    }
}
