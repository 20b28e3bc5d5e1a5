using System.Runtime.CompilerServices;

namespace BrainGen.Imaging;

/// <summary>CRC-32 (IEEE 802.3, as gzip and PNG use it), slicing-by-8, plus zlib's crc32_combine.</summary>
public static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var t = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        for (var i = 0; i < 256; i++)
            for (var s = 1; s < 8; s++) t[s * 256 + i] = (t[(s - 1) * 256 + i] >> 8) ^ t[t[(s - 1) * 256 + i] & 0xFF];
        return t;
    }

    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues a CRC over more bytes: Append(Compute(a), b) == Compute(a + b).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var c = ~crc;
        var t = Table;
        var i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            var lo = c ^ (uint)(data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24);
            var hi = (uint)(data[i + 4] | data[i + 5] << 8 | data[i + 6] << 16 | data[i + 7] << 24);
            c = t[7 * 256 + (lo & 0xFF)] ^ t[6 * 256 + ((lo >> 8) & 0xFF)] ^ t[5 * 256 + ((lo >> 16) & 0xFF)] ^ t[4 * 256 + (lo >> 24)]
              ^ t[3 * 256 + (hi & 0xFF)] ^ t[2 * 256 + ((hi >> 8) & 0xFF)] ^ t[256 + ((hi >> 16) & 0xFF)] ^ t[hi >> 24];
        }
        for (; i < data.Length; i++) c = t[(c ^ data[i]) & 0xFF] ^ (c >> 8);
        return ~c;
    }

    /// <summary>CRC of A+B from CRC(A), CRC(B) and len(B) (zlib crc32_combine), so blocks can be hashed in parallel.</summary>
    public static uint Combine(uint crc1, uint crc2, long length2)
    {
        if (length2 <= 0) return crc1;
        var even = new uint[32];
        var odd = new uint[32];
        odd[0] = 0xEDB88320u;
        uint row = 1;
        for (var n = 1; n < 32; n++, row <<= 1) odd[n] = row;
        Square(even, odd);
        Square(odd, even);
        do
        {
            Square(even, odd);
            if ((length2 & 1) != 0) crc1 = Times(even, crc1);
            length2 >>= 1;
            if (length2 == 0) break;
            Square(odd, even);
            if ((length2 & 1) != 0) crc1 = Times(odd, crc1);
            length2 >>= 1;
        } while (length2 != 0);
        return crc1 ^ crc2;
    }

    private static uint Times(uint[] mat, uint vec)
    {
        uint sum = 0;
        for (var i = 0; vec != 0; i++, vec >>= 1)
            if ((vec & 1) != 0) sum ^= mat[i];
        return sum;
    }

    private static void Square(uint[] square, uint[] mat)
    {
        for (var n = 0; n < 32; n++) square[n] = Times(mat, mat[n]);
    }
}
