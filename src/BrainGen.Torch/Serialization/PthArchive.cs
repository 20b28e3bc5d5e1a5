using System.IO.Compression;

namespace BrainGen.Torch.Serialization;

/// <summary>
/// The zip container <c>torch.save</c> writes (PyTorch 1.6+): <c>&lt;stem&gt;/data.pkl</c> (the
/// pickled object), <c>&lt;stem&gt;/data/&lt;key&gt;</c> (one raw storage per key, stored
/// uncompressed), <c>&lt;stem&gt;/version</c>, and in newer versions <c>&lt;stem&gt;/byteorder</c>.
/// The top folder is the file's stem or "archive", so records are matched by suffix.
/// </summary>
internal sealed class PthArchive : IDisposable
{
    private readonly ZipArchive _zip;
    private readonly Dictionary<string, ZipArchiveEntry> _entries;

    private PthArchive(string file, long length, ZipArchive zip, Dictionary<string, ZipArchiveEntry> entries, string prefix)
    {
        File = file;
        Length = length;
        _zip = zip;
        _entries = entries;
        Prefix = prefix;
    }

    public string File { get; }
    public long Length { get; }

    /// <summary>The top folder with its slash, e.g. "model/".</summary>
    public string Prefix { get; }

    public static PthArchive Open(Stream stream, string file)
    {
        if (!stream.CanSeek || !stream.CanRead)
            throw new ArgumentException($"{file}: the stream must be readable and seekable", nameof(stream));
        CheckMagic(stream, file);
        ZipArchive? zip = null;
        try
        {
            // The central directory is parsed here and, lazily, by Entries: both can find damage.
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
            foreach (var entry in zip.Entries)
                entries.TryAdd(entry.FullName, entry);
            return new PthArchive(file, stream.Length, zip, entries, FindPrefix(entries.Keys, file));
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(file + ": ", StringComparison.Ordinal))
        {
            zip?.Dispose();
            throw new InvalidDataException($"{file}: not a readable zip archive (truncated or damaged?): {e.Message}", e);
        }
        catch
        {
            zip?.Dispose();
            throw;
        }
    }

    private static void CheckMagic(Stream stream, string file)
    {
        Span<byte> head = stackalloc byte[4];
        stream.Position = 0;
        int n = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        stream.Position = 0;
        if (n >= 2 && head[0] == 'P' && head[1] == 'K')
            return;
        // Before 1.6, torch.save wrote pickles back to back (PROTO 2, then a magic number).
        if (n >= 2 && head[0] == 0x80 && head[1] <= 5)
            throw new InvalidDataException($"{file}: is in the legacy (pre-1.6) torch.save format, which BrainGen does not read; re-save it with a newer PyTorch: torch.save(torch.load(path), new_path)");
        throw new InvalidDataException($"{file}: is not a PyTorch checkpoint (a zip archive); it starts with bytes {Convert.ToHexString(head[..n])}");
    }

    private static string FindPrefix(IEnumerable<string> names, string file)
    {
        var pickles = names.Where(n => n.EndsWith("/data.pkl", StringComparison.Ordinal) && n.IndexOf('/') == n.Length - "/data.pkl".Length).ToList();
        if (pickles.Count == 1)
            return pickles[0][..^"data.pkl".Length];
        if (pickles.Count > 1)
            throw new InvalidDataException($"{file}: holds {pickles.Count} data.pkl records ({string.Join(", ", pickles)}); expected one");
        if (names.Any(n => n.EndsWith("/constants.pkl", StringComparison.Ordinal) || n.Contains("/code/", StringComparison.Ordinal)))
            throw new InvalidDataException($"{file}: is a TorchScript archive (torch.jit.save), not a torch.save checkpoint; save its state_dict() with torch.save instead");
        throw new InvalidDataException($"{file}: is a zip archive without a <folder>/data.pkl record, so not a torch.save checkpoint");
    }

    /// <summary>True when the writer was big-endian (the byteorder record, PyTorch 2.x); absent means little.</summary>
    public bool ReadBigEndian()
    {
        if (!_entries.TryGetValue(Prefix + "byteorder", out var entry))
            return false;
        string order = System.Text.Encoding.ASCII.GetString(ReadAll(entry, 16)).Trim();
        return order switch
        {
            "little" => false,
            "big" => true,
            _ => throw new InvalidDataException($"{File}: byteorder record says '{order}', expected 'little' or 'big'"),
        };
    }

    public byte[] ReadPickle(int maxBytes) => ReadAll(_entries[Prefix + "data.pkl"], maxBytes);

    /// <summary>The zip entry of storage <paramref name="key"/>, or null when absent.</summary>
    public ZipArchiveEntry? FindStorage(string key) =>
        _entries.TryGetValue(Prefix + "data/" + key, out var entry) ? entry : null;

    /// <summary>
    /// Checks an entry is stored as torch.save stores it: uncompressed and inside the file. That
    /// bounds every later allocation by the file's own size (no zip-bomb amplification).
    /// </summary>
    public void CheckStored(ZipArchiveEntry entry)
    {
        if (entry.CompressedLength != entry.Length)
            throw new InvalidDataException($"{File}: record '{entry.FullName}' is compressed ({entry.CompressedLength} -> {entry.Length} bytes); torch.save stores records uncompressed (was the file repacked?)");
        if (entry.Length > Length)
            throw new InvalidDataException($"{File}: record '{entry.FullName}' claims {entry.Length} bytes, more than the whole file ({Length})");
    }

    private byte[] ReadAll(ZipArchiveEntry entry, int maxBytes)
    {
        CheckStored(entry);
        if (entry.Length > maxBytes)
            throw new InvalidDataException($"{File}: record '{entry.FullName}' is {entry.Length} bytes, over the {maxBytes}-byte limit");
        var bytes = new byte[entry.Length];
        using var stream = OpenEntry(entry);
        Fill(stream, bytes, entry);
        return bytes;
    }

    public Stream OpenEntry(ZipArchiveEntry entry)
    {
        try
        {
            return entry.Open();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{File}: record '{entry.FullName}' cannot be read (damaged zip?): {e.Message}", e);
        }
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes, naming the record when it ends early or is damaged.</summary>
    public void Fill(Stream stream, Span<byte> buffer, ZipArchiveEntry entry)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or IOException)
        {
            throw new InvalidDataException($"{File}: record '{entry.FullName}' ends early or is damaged: {e.Message}", e);
        }
    }

    /// <summary>Advances past <paramref name="count"/> bytes of an entry stream.</summary>
    public void Skip(Stream stream, long count, ZipArchiveEntry entry)
    {
        if (count == 0) return;
        if (stream.CanSeek)
        {
            stream.Seek(count, SeekOrigin.Current);
            return;
        }
        var scratch = new byte[(int)Math.Min(count, 1 << 16)];
        while (count > 0)
        {
            int n = (int)Math.Min(count, scratch.Length);
            Fill(stream, scratch.AsSpan(0, n), entry);
            count -= n;
        }
    }

    public void Dispose() => _zip.Dispose();
}
