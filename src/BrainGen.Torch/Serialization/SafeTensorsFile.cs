using System.IO.MemoryMappedFiles;
using BrainGen.Imaging;

namespace BrainGen.Torch.Serialization;

/// <summary>
/// A validated safetensors file, memory-mapped read-only: opening reads only the header, and
/// <see cref="GetBytes"/> hands out each tensor's bytes straight from the page cache, so a
/// 200 MB checkpoint costs one copy at most (into a <see cref="HostTensor"/> or onto a device).
/// </summary>
/// <remarks>
/// Spans from <see cref="GetBytes"/> point into the mapping and must not be used after
/// <see cref="Dispose"/>. The file must not be truncated by another process while open (the
/// operating system would fault on access, as with any memory-mapped reader).
/// </remarks>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly SafeTensorsHeader _header;
    private readonly long _dataStart;
    private byte* _base;

    private SafeTensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* pointer, SafeTensorsHeader header, long dataStart)
    {
        Path = path;
        _map = map;
        _view = view;
        _base = pointer;
        _header = header;
        _dataStart = dataStart;
    }

    /// <summary>The path the file was opened with; every error message starts with it.</summary>
    public string Path { get; }

    /// <summary>The tensors in the order of their bytes in the file.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries => _header.Entries;

    /// <summary>The string-to-string <c>__metadata__</c> map; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>Opens, maps and fully validates <paramref name="path"/>; throws <see cref="InvalidDataException"/> naming the file and the problem.</summary>
    public static SafeTensorsFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var stream = BoundedFile.OpenRead(path, "safetensors file", bufferSize: 1);
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        byte* pointer = null;
        try
        {
            long length = stream.Length;
            Span<byte> prelude = stackalloc byte[8];
            if (length >= 8) stream.ReadExactly(prelude);
            long headerLength = SafeTensorsHeader.ReadHeaderLength(prelude, length, path);
            // Checked before mapping: an empty file cannot be mapped, and a bad length should
            // be reported as such, not as a mapping failure.
            map = MemoryMappedFile.CreateFromFile(stream, mapName: null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            pointer += view.PointerOffset;
            long dataStart = 8 + headerLength;
            var header = SafeTensorsHeader.Parse(new ReadOnlySpan<byte>(pointer + 8, (int)headerLength), length - dataStart, path);
            return new SafeTensorsFile(path, map, view, pointer, header, dataStart);
        }
        catch
        {
            if (pointer != null) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            if (map is not null) map.Dispose();
            else stream.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => _header.ByName.ContainsKey(name);

    public SafeTensorsEntry GetEntry(string name) =>
        _header.ByName.TryGetValue(name, out var entry)
            ? entry
            : throw new KeyNotFoundException($"{Path}: no tensor named '{name}' (the file holds {Entries.Count} tensors)");

    /// <summary>
    /// The tensor's bytes in the mapping, C-contiguous and little-endian, with no copy. Tensors
    /// over 2 GiB exceed what a span (and a <see cref="HostTensor"/>) can address.
    /// </summary>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        var entry = GetEntry(name);
        ObjectDisposedException.ThrowIf(_base == null, this);
        if (entry.ByteLength > Array.MaxLength)
            throw new InvalidDataException($"{Path}: tensor '{name}' is {entry.ByteLength} bytes, more than one span or HostTensor can hold ({Array.MaxLength})");
        return new ReadOnlySpan<byte>(_base + _dataStart + entry.Begin, (int)entry.ByteLength);
    }

    /// <summary>Copies one tensor out of the mapping (the one copy).</summary>
    public HostTensor ToHostTensor(string name)
    {
        var entry = GetEntry(name);
        return new HostTensor(entry.DType, entry.ShapeArray(), GetBytes(name).ToArray());
    }

    /// <summary>Every tensor, copied out, keyed by name in file order.</summary>
    public IReadOnlyDictionary<string, HostTensor> ToHostTensors()
    {
        var result = new OrderedDictionary<string, HostTensor>(Entries.Count, StringComparer.Ordinal);
        foreach (var entry in Entries)
            result.Add(entry.Name, ToHostTensor(entry.Name));
        return result;
    }

    public void Dispose()
    {
        if (_base == null) return;
        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
