using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace BrainGen.Imaging;

/// <summary>
/// Writes one gzip member whose deflate stream is compressed in independent blocks (the pigz
/// technique: each block but the last ends with a sync flush, so the blocks concatenate into one
/// valid stream). Blocks are compressed on several cores when there are several, but the output
/// depends only on the block boundaries the caller chose, never on the core count. The header has no
/// file name, a zero timestamp and OS = 255, so equal input gives equal bytes on every platform,
/// as BIDS recommends. Any gzip reader (zlib, Python, .NET) reads it as an ordinary single-member file.
/// </summary>
public static class ParallelGzip
{
    /// <summary>Fills destination (exactly the block's length) with block index's uncompressed bytes.</summary>
    public delegate void BlockSource(int index, Span<byte> destination);

    public static void Write(Stream output, IReadOnlyList<ReadOnlyMemory<byte>> blocks, int level = 1) =>
        Write(output, blocks.Count, i => blocks[i].Length, (i, dst) => blocks[i].Span.CopyTo(dst), level);

    /// <summary>
    /// Compresses blockCount blocks, produced on demand by fill (called concurrently for different
    /// indices), and writes them in order. At most a few blocks per core are held at once, so a long
    /// series never needs all its bytes in memory.
    /// </summary>
    public static void Write(Stream output, int blockCount, Func<int, int> blockLength, BlockSource fill, int level = 1)
    {
        if (level is < 0 or > 9) throw new ArgumentOutOfRangeException(nameof(level), "gzip level is 0..9");
        // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=255 (unknown): identical on every platform.
        output.Write([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 255]);
        uint crc = 0;
        long total = 0;
        if (blockCount == 0) output.Write(EmptyFinalBlock);
        var workers = Math.Min(Environment.ProcessorCount, blockCount);
        var window = workers <= 1 ? 1 : 2 * workers;
        var done = new Compressed[Math.Max(1, Math.Min(window, blockCount))];
        for (var first = 0; first < blockCount; first += done.Length)
        {
            var count = Math.Min(done.Length, blockCount - first);
            if (count == 1) done[0] = CompressBlock(first, first == blockCount - 1, blockLength, fill, level);
            else
                Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = workers },
                    k => done[k] = CompressBlock(first + k, first + k == blockCount - 1, blockLength, fill, level));
            for (var k = 0; k < count; k++)
            {
                var c = done[k];
                output.Write(c.Deflate.Buffer.AsSpan(c.Deflate.Start, c.Deflate.Length));
                crc = first + k == 0 ? c.Crc : Crc32.Combine(crc, c.Crc, c.Length);
                total += c.Length;
                c.Deflate.Dispose();
                done[k] = default;
            }
        }
        Span<byte> trailer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, crc);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], (uint)total); // ISIZE is the size mod 2^32
        output.Write(trailer);
    }

    /// <summary>A final, fixed-Huffman deflate block holding only end-of-block: an empty stream's end.</summary>
    private static ReadOnlySpan<byte> EmptyFinalBlock => [0x03, 0x00];

    private readonly record struct Compressed(PooledSegment Deflate, uint Crc, int Length);

    /// <summary>
    /// One block through zlib's own gzip wrapper, so zlib computes the CRC (SIMD, fused with its
    /// input copy) and reports it in the member trailer; the 10-byte header and the trailer are cut
    /// off, leaving the raw deflate blocks. Non-final blocks end with a sync flush (byte-aligned,
    /// not final); the empty final block that closing appends is dropped.
    /// </summary>
    private static Compressed CompressBlock(int index, bool last, Func<int, int> blockLength, BlockSource fill, int level)
    {
        var length = blockLength(index);
        if (length == 0)
        {
            // zlib writes nothing at all for empty input; an empty last block must still end the stream.
            var empty = ArrayPool<byte>.Shared.Rent(2);
            if (last) EmptyFinalBlock.CopyTo(empty);
            return new Compressed(new PooledSegment(empty, 0, last ? 2 : 0), 0, 0);
        }
        var input = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
        var sink = new PooledSink(length / 2 + 4096);
        try
        {
            fill(index, input.AsSpan(0, length));
            long keep;
            using (var gz = new GZipStream(sink, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true))
            {
                gz.Write(input, 0, length);
                if (!last) gz.Flush(); // sync flush
                keep = sink.Length;
            }
            if (sink.Length < 18 || sink.Buffer[0] != 0x1F || sink.Buffer[1] != 0x8B || sink.Buffer[3] != 0)
                throw new InvalidOperationException("zlib wrote an unexpected gzip header (expected 10 bytes, no optional fields)");
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(sink.Buffer.AsSpan((int)sink.Length - 8));
            var end = last ? (int)sink.Length - 8 : (int)keep;
            return new Compressed(new PooledSegment(sink.Detach(), 10, end - 10), crc, length);
        }
        catch
        {
            sink.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
        }
    }

    private readonly record struct PooledSegment(byte[] Buffer, int Start, int Length) : IDisposable
    {
        public void Dispose() => ArrayPool<byte>.Shared.Return(Buffer);
    }

    /// <summary>A write-only stream into a pooled, growing buffer (no copy out: the buffer is handed on).</summary>
    private sealed class PooledSink(int capacity) : Stream
    {
        private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(capacity);
        private int _length;

        public byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(PooledSink));

        public byte[] Detach()
        {
            var b = Buffer;
            _buffer = null;
            return b;
        }

        public override void Write(ReadOnlySpan<byte> data)
        {
            var b = Buffer;
            if (_length + data.Length > b.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(b.Length * 2, _length + data.Length));
                b.AsSpan(0, _length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(b);
                _buffer = b = bigger;
            }
            data.CopyTo(b.AsSpan(_length));
            _length += data.Length;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void WriteByte(byte value) => Write([value]);
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (_buffer is { } b) ArrayPool<byte>.Shared.Return(b);
            _buffer = null;
            base.Dispose(disposing);
        }
    }
}
