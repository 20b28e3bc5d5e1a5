using System.Buffers.Binary;
using System.IO.Compression;

namespace BrainGen.Imaging;

/// <summary>
/// Writes one gzip member whose deflate stream is compressed in independent blocks on all cores
/// (the pigz technique: each block ends with a sync flush, so the blocks concatenate into one valid
/// stream). The header has no file name and a zero timestamp, so equal input gives equal bytes, as
/// BIDS recommends. Any gzip reader (zlib, Python, .NET) reads it as an ordinary single-member file.
/// </summary>
public static class ParallelGzip
{
    public static void Write(Stream output, IReadOnlyList<ReadOnlyMemory<byte>> blocks, int level = 1)
    {
        if (level is < 0 or > 9) throw new ArgumentOutOfRangeException(nameof(level), "gzip level is 0..9");
        // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=255 (unknown): identical on every platform.
        output.Write([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 255]);
        var compressed = new byte[blocks.Count][];
        var crcs = new uint[blocks.Count];
        Parallel.For(0, blocks.Count, i =>
        {
            var last = i == blocks.Count - 1;
            using var buffer = new MemoryStream(blocks[i].Length / 2 + 64);
            long keep;
            using (var deflate = new DeflateStream(buffer, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true))
            {
                deflate.Write(blocks[i].Span);
                deflate.Flush(); // sync flush: byte-aligned, not final
                keep = buffer.Length;
            }
            // A non-final block drops the empty final block Dispose appended; the last keeps it.
            compressed[i] = last ? buffer.ToArray() : buffer.GetBuffer().AsSpan(0, (int)keep).ToArray();
            crcs[i] = Crc32.Compute(blocks[i].Span);
        });
        uint crc = 0;
        long total = 0;
        for (var i = 0; i < blocks.Count; i++)
        {
            output.Write(compressed[i]);
            crc = i == 0 ? crcs[0] : Crc32.Combine(crc, crcs[i], blocks[i].Length);
            total += blocks[i].Length;
        }
        if (blocks.Count == 0)
            using (var empty = new DeflateStream(output, CompressionLevel.Fastest, leaveOpen: true)) { }
        Span<byte> trailer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, crc);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], (uint)total); // ISIZE is the size mod 2^32
        output.Write(trailer);
    }
}
