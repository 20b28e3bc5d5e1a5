using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace BrainGen.Imaging;

/// <summary>Pixel layouts the PNG encoder writes.</summary>
public enum PngColor
{
    /// <summary>One byte per pixel.</summary>
    Gray8 = 0,

    /// <summary>Three bytes per pixel, R G B.</summary>
    Rgb8 = 2,
}

/// <summary>
/// A minimal, dependency-free PNG encoder (8-bit grey or RGB): signature, IHDR, one zlib IDAT with
/// the "Up" filter on every row (cheap and good on smooth images), IEND, each chunk CRC-checked.
/// </summary>
public static class Png
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static byte[] Encode(int width, int height, ReadOnlySpan<byte> pixels, PngColor color)
    {
        if (width < 1 || height < 1) throw new ArgumentException($"PNG size {width}x{height} must be positive");
        var channels = color == PngColor.Rgb8 ? 3 : 1;
        var stride = GridSize.Elements($"a {width}x{height} PNG row", width, channels);
        if (pixels.Length != (long)stride * height)
            throw new ArgumentException($"{width}x{height} {color} needs {(long)stride * height} bytes, got {pixels.Length}");

        var filtered = new byte[(long)(stride + 1) * height];
        for (var y = 0; y < height; y++)
        {
            var row = pixels.Slice(y * stride, stride);
            var outRow = filtered.AsSpan(y * (stride + 1), stride + 1);
            if (y == 0)
            {
                outRow[0] = 0; // None
                row.CopyTo(outRow[1..]);
                continue;
            }
            outRow[0] = 2; // Up: byte minus the byte above
            var above = pixels.Slice((y - 1) * stride, stride);
            for (var i = 0; i < stride; i++) outRow[i + 1] = (byte)(row[i] - above[i]);
        }

        using var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionLevel.Optimal, leaveOpen: true)) z.Write(filtered);

        using var png = new MemoryStream();
        png.Write(Signature);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = (byte)color;
        // compression 0, filter method 0, no interlace
        WriteChunk(png, "IHDR", ihdr);
        WriteChunk(png, "IDAT", idat.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    public static void Write(string path, int width, int height, ReadOnlySpan<byte> pixels, PngColor color) =>
        AtomicFile.WriteAllBytes(path, Encode(width, height, pixels, color));

    private static void WriteChunk(Stream s, string type, byte[] data)
    {
        Span<byte> u32 = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(u32, data.Length);
        s.Write(u32);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        var crc = Crc32.Append(Crc32.Compute(typeBytes), data);
        BinaryPrimitives.WriteUInt32BigEndian(u32, crc);
        s.Write(u32);
    }
}
