using System.IO.Compression;

namespace BrainGen.Imaging;

/// <summary>
/// File-level plumbing shared by the NIfTI reader and writer: .hdr/.img pairing, gzip detection by
/// content (never by name), and reads that count bytes instead of trusting the header.
/// </summary>
internal static class ImageFiles
{
    public const int MaxDeflateRatio = 1032; // deflate cannot expand 1 byte into more than ~1032

    /// <summary>(header file, data file, is a pair) for a path naming a .nii, .hdr or .img (optionally .gz).</summary>
    public static (string Header, string Data, bool IsPair) Resolve(string path)
    {
        var (stem, ext, gz) = SplitExtension(path);
        if (ext.Equals(".hdr", StringComparison.OrdinalIgnoreCase))
            return (path, FindSibling(stem, ext[0] + (char.IsUpper(ext[1]) ? "IMG" : "img"), gz), true);
        if (ext.Equals(".img", StringComparison.OrdinalIgnoreCase))
            return (FindSibling(stem, ext[0] + (char.IsUpper(ext[1]) ? "HDR" : "hdr"), gz), path, true);
        return (path, path, false);
    }

    private static string FindSibling(string stem, string ext, string gz)
    {
        var plain = stem + ext;
        var zipped = stem + ext + ".gz";
        if (File.Exists(plain + gz)) return plain + gz;
        if (File.Exists(plain)) return plain;
        if (File.Exists(zipped)) return zipped;
        return plain + gz;
    }

    public static (string Stem, string Ext, string Gz) SplitExtension(string path)
    {
        var gz = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? path[^3..] : "";
        var rest = path[..^gz.Length];
        var ext = Path.GetExtension(rest);
        return (rest[..^ext.Length], ext, gz);
    }

    /// <summary>An open, possibly gzip-compressed, file: content-sniffed.</summary>
    public sealed class Source : IDisposable
    {
        private readonly FileStream _file;

        public Source(string path)
        {
            Path = path;
            try
            {
                _file = BoundedFile.OpenRead(path, "image", options: FileOptions.SequentialScan);
            }
            catch (FileNotFoundException)
            {
                throw new FileNotFoundException($"{path}: file not found", path);
            }
            FileLength = _file.Length;
            Span<byte> magic = stackalloc byte[2];
            var n = _file.Read(magic);
            IsGzip = n == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
            if (IsGzip && FileLength >= 18)
            {
                // ISIZE, the last 4 bytes of a gzip member: the uncompressed length mod 2^32.
                Span<byte> isize = stackalloc byte[4];
                _file.Position = FileLength - 4;
                if (_file.Read(isize) == 4) GzipTrailerSize = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(isize);
            }
            _file.Position = 0;
            // GZipStream inflates straight into the caller's span: no buffering layer (and copy) on top.
            Stream = IsGzip ? new GZipStream(_file, CompressionMode.Decompress) : _file;
        }

        /// <summary>The gzip trailer's ISIZE (content length mod 2^32 if the file is one intact member); null for plain files.</summary>
        public uint? GzipTrailerSize { get; }

        /// <summary>
        /// Whether the file evidently holds contentLength bytes of content, so a buffer of that size
        /// can be allocated before the bytes arrive: always true for a plain file long enough; for
        /// gzip, true when the trailer's ISIZE agrees (a truncated or lying file matches by chance
        /// with odds 2^-32, and is still caught as truncated when the bytes run out).
        /// </summary>
        public bool Holds(long contentLength) =>
            IsGzip ? GzipTrailerSize == (uint)contentLength : contentLength <= FileLength;

        public string Path { get; }
        public bool IsGzip { get; }
        public long FileLength { get; }
        public Stream Stream { get; }

        /// <summary>Bytes of content consumed so far (decompressed bytes for gzip).</summary>
        public long Position { get; private set; }

        /// <summary>Upper bound on the content length: exact for plain files, the deflate limit for gzip.</summary>
        public long MaxContentLength => IsGzip ? FileLength * MaxDeflateRatio + 1024 : FileLength;

        /// <summary>Reads up to buffer.Length bytes; returns fewer only at the end of the content.</summary>
        public int ReadAtMost(Span<byte> buffer)
        {
            var total = 0;
            try
            {
                while (total < buffer.Length)
                {
                    var n = Stream.Read(buffer[total..]);
                    if (n == 0) break;
                    total += n;
                }
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{Path}: gzip data is corrupt ({e.Message})", e);
            }
            Position += total;
            return total;
        }

        public void ReadExactly(Span<byte> buffer, string what)
        {
            var n = ReadAtMost(buffer);
            if (n < buffer.Length)
                throw new InvalidDataException($"{Path}: {what}: expected {buffer.Length} bytes, got {n} (file truncated?)");
        }

        /// <summary>Advances to an absolute content offset: a seek for plain files, counted reads for gzip.</summary>
        public void SkipTo(long offset, string what)
        {
            if (offset < Position) throw new InvalidDataException($"{Path}: {what}: offset {offset} is before the current position {Position}");
            if (!IsGzip)
            {
                if (offset > FileLength) throw new InvalidDataException($"{Path}: {what}: offset {offset} is past the end of the file ({FileLength} bytes)");
                _file.Position = offset;
                Position = offset;
                return;
            }
            var scratch = new byte[Math.Min(1 << 16, Math.Max(1, offset - Position))];
            while (Position < offset)
            {
                var want = (int)Math.Min(scratch.Length, offset - Position);
                if (ReadAtMost(scratch.AsSpan(0, want)) < want)
                    throw new InvalidDataException($"{Path}: {what}: offset {offset} is past the end of the decompressed data ({Position} bytes)");
            }
        }

        /// <summary>
        /// Reads exactly count bytes into fixed-size chunks, allocating only as bytes actually arrive,
        /// so a header that lies about the size costs no more memory than the file really holds.
        /// </summary>
        public byte[][] ReadChunks(long count, int chunkSize, string what)
        {
            var chunks = new List<byte[]>();
            long done = 0;
            while (done < count)
            {
                var size = (int)Math.Min(chunkSize, count - done);
                var chunk = GC.AllocateUninitializedArray<byte>(size);
                var n = ReadAtMost(chunk);
                done += n;
                if (n < size)
                    throw new InvalidDataException($"{Path}: {what}: expected {count} bytes, got {done} (file truncated?)");
                chunks.Add(chunk);
            }
            return [.. chunks];
        }

        public void Dispose()
        {
            if (!ReferenceEquals(Stream, _file)) Stream.Dispose();
            _file.Dispose();
        }
    }
}
