using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace BrainGen.Imaging;

/// <summary>
/// Converts stored voxels to float32 and back. Scaling is applied in double precision and then
/// rounded once, which is what nibabel's get_fdata followed by a float32 cast produces.
/// </summary>
internal static class VoxelCodec
{
    public static void Decode(ReadOnlySpan<byte> src, Span<float> dst, NiftiDataType type, bool bigEndian, (double Slope, double Inter)? scaling)
    {
        var swap = bigEndian == BitConverter.IsLittleEndian;
        switch (type)
        {
            case NiftiDataType.UInt8: WidenBytes(src, dst); break;
            case NiftiDataType.Int8: for (var i = 0; i < dst.Length; i++) dst[i] = (sbyte)src[i]; break;
            case NiftiDataType.Int16:
                {
                    var s = MemoryMarshal.Cast<byte, short>(src);
                    if (swap) for (var i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReverseEndianness(s[i]);
                    else WidenInt16(s, dst);
                    break;
                }
            case NiftiDataType.UInt16:
                {
                    var s = MemoryMarshal.Cast<byte, ushort>(src);
                    for (var i = 0; i < dst.Length; i++) dst[i] = swap ? BinaryPrimitives.ReverseEndianness(s[i]) : s[i];
                    break;
                }
            case NiftiDataType.Int32:
                {
                    var s = MemoryMarshal.Cast<byte, int>(src);
                    for (var i = 0; i < dst.Length; i++) dst[i] = swap ? BinaryPrimitives.ReverseEndianness(s[i]) : s[i];
                    break;
                }
            case NiftiDataType.UInt32:
                {
                    var s = MemoryMarshal.Cast<byte, uint>(src);
                    for (var i = 0; i < dst.Length; i++) dst[i] = swap ? BinaryPrimitives.ReverseEndianness(s[i]) : s[i];
                    break;
                }
            case NiftiDataType.Int64:
            case NiftiDataType.UInt64:
                // Scale in double from the exact integer, else large values lose more than one rounding.
                DecodeWide64(src, dst, type == NiftiDataType.Int64, swap, scaling);
                return;
            case NiftiDataType.Float32:
                {
                    var s = MemoryMarshal.Cast<byte, uint>(src);
                    if (swap) for (var i = 0; i < dst.Length; i++) dst[i] = BitConverter.UInt32BitsToSingle(BinaryPrimitives.ReverseEndianness(s[i]));
                    else MemoryMarshal.Cast<uint, float>(s).CopyTo(dst);
                    break;
                }
            case NiftiDataType.Float64:
                {
                    var s = MemoryMarshal.Cast<byte, ulong>(src);
                    if (scaling is { } sc64)
                    {
                        for (var i = 0; i < dst.Length; i++)
                            dst[i] = (float)(Float64(s[i], swap) * sc64.Slope + sc64.Inter);
                        return;
                    }
                    for (var i = 0; i < dst.Length; i++) dst[i] = (float)Float64(s[i], swap);
                    break;
                }
            case NiftiDataType.Rgb24:
                for (int i = 0, j = 0; i < dst.Length; i++, j += 3)
                    dst[i] = (float)(0.299 * src[j] + 0.587 * src[j + 1] + 0.114 * src[j + 2]);
                return;
            default:
                throw new NotSupportedException($"datatype {type.Name()} cannot be decoded");
        }
        if (scaling is { } sc)
            for (var i = 0; i < dst.Length; i++) dst[i] = (float)(dst[i] * sc.Slope + sc.Inter);
    }

    private static double Float64(ulong bits, bool swap) => BitConverter.UInt64BitsToDouble(swap ? BinaryPrimitives.ReverseEndianness(bits) : bits);

    private static void DecodeWide64(ReadOnlySpan<byte> src, Span<float> dst, bool signed, bool swap, (double Slope, double Inter)? scaling)
    {
        var s = MemoryMarshal.Cast<byte, ulong>(src);
        var (slope, inter) = scaling ?? (1, 0);
        for (var i = 0; i < dst.Length; i++)
        {
            var bits = swap ? BinaryPrimitives.ReverseEndianness(s[i]) : s[i];
            double v = signed ? (long)bits : bits;
            dst[i] = (float)(v * slope + inter);
        }
    }

    private static void WidenBytes(ReadOnlySpan<byte> src, Span<float> dst)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && src.Length >= Vector<byte>.Count)
        {
            var vin = MemoryMarshal.Cast<byte, Vector<byte>>(src);
            var vout = MemoryMarshal.Cast<float, Vector<float>>(dst);
            for (var k = 0; k < vin.Length; k++)
            {
                Vector.Widen(vin[k], out var lo16, out var hi16);
                Vector.Widen(lo16, out var a, out var b);
                Vector.Widen(hi16, out var c, out var d);
                vout[4 * k] = Vector.ConvertToSingle(a);
                vout[4 * k + 1] = Vector.ConvertToSingle(b);
                vout[4 * k + 2] = Vector.ConvertToSingle(c);
                vout[4 * k + 3] = Vector.ConvertToSingle(d);
            }
            i = vin.Length * Vector<byte>.Count;
        }
        for (; i < src.Length; i++) dst[i] = src[i];
    }

    private static void WidenInt16(ReadOnlySpan<short> src, Span<float> dst)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && src.Length >= Vector<short>.Count)
        {
            var vin = MemoryMarshal.Cast<short, Vector<short>>(src);
            var vout = MemoryMarshal.Cast<float, Vector<float>>(dst);
            for (var k = 0; k < vin.Length; k++)
            {
                Vector.Widen(vin[k], out var lo, out var hi);
                vout[2 * k] = Vector.ConvertToSingle(lo);
                vout[2 * k + 1] = Vector.ConvertToSingle(hi);
            }
            i = vin.Length * Vector<short>.Count;
        }
        for (; i < src.Length; i++) dst[i] = src[i];
    }

    /// <summary>
    /// float32 to the stored type, little-endian: raw = round((v - inter) / slope), clamped to the
    /// type's range; NaN stores 0 (integer types cannot hold NaN).
    /// </summary>
    public static void Encode(ReadOnlySpan<float> src, Span<byte> dst, NiftiDataType type, double slope, double inter)
    {
        switch (type)
        {
            case NiftiDataType.Float32:
                MemoryMarshal.Cast<float, byte>(src).CopyTo(dst);
                if (!BitConverter.IsLittleEndian) ReverseInPlace(MemoryMarshal.Cast<byte, uint>(dst));
                return;
            case NiftiDataType.Float64:
                {
                    var d = MemoryMarshal.Cast<byte, double>(dst);
                    for (var i = 0; i < src.Length; i++) d[i] = src[i];
                    if (!BitConverter.IsLittleEndian) ReverseInPlace(MemoryMarshal.Cast<byte, ulong>(dst));
                    return;
                }
        }
        var (min, max) = type.IntegerRange();
        var unit = slope == 1 && inter == 0;
        double Raw(float v)
        {
            if (float.IsNaN(v)) return 0;
            var r = Math.Round(unit ? v : (v - inter) / slope, MidpointRounding.ToEven);
            return r < min ? min : r > max ? max : r;
        }
        switch (type)
        {
            case NiftiDataType.UInt8: for (var i = 0; i < src.Length; i++) dst[i] = (byte)Raw(src[i]); break;
            case NiftiDataType.Int8: for (var i = 0; i < src.Length; i++) dst[i] = (byte)(sbyte)Raw(src[i]); break;
            case NiftiDataType.Int16:
                for (var i = 0; i < src.Length; i++) BinaryPrimitives.WriteInt16LittleEndian(dst[(2 * i)..], (short)Raw(src[i]));
                break;
            case NiftiDataType.UInt16:
                for (var i = 0; i < src.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(dst[(2 * i)..], (ushort)Raw(src[i]));
                break;
            case NiftiDataType.Int32:
                for (var i = 0; i < src.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(dst[(4 * i)..], (int)Raw(src[i]));
                break;
            case NiftiDataType.UInt32:
                for (var i = 0; i < src.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(dst[(4 * i)..], (uint)Raw(src[i]));
                break;
            case NiftiDataType.Int64:
                // Raw() clamps to ±2^63 as doubles; the saturating cast keeps the ends in range.
                for (var i = 0; i < src.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(dst[(8 * i)..], double.ConvertToInteger<long>(Raw(src[i])));
                break;
            case NiftiDataType.UInt64:
                for (var i = 0; i < src.Length; i++) BinaryPrimitives.WriteUInt64LittleEndian(dst[(8 * i)..], double.ConvertToInteger<ulong>(Raw(src[i])));
                break;
            default:
                throw new NotSupportedException($"datatype {type.Name()} cannot be written");
        }
    }

    private static void ReverseInPlace(Span<uint> s) { for (var i = 0; i < s.Length; i++) s[i] = BinaryPrimitives.ReverseEndianness(s[i]); }
    private static void ReverseInPlace(Span<ulong> s) { for (var i = 0; i < s.Length; i++) s[i] = BinaryPrimitives.ReverseEndianness(s[i]); }
}
