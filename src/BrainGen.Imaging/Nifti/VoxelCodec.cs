using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BrainGen.Imaging;

/// <summary>
/// Converts stored voxels to float32 and back. Scaling is applied in double precision and then
/// rounded once, which is what nibabel's get_fdata followed by a float32 cast produces.
/// The loops are AggressiveOptimization: reading one file calls them only a few hundred times, too
/// few for tiered compilation to replace their first, unoptimized JIT (vector code there runs
/// several times slower than the optimized loop).
/// </summary>
internal static class VoxelCodec
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
                    if (swap) for (var i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReverseEndianness(s[i]);
                    else WidenUInt16(s, dst);
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
        if (scaling is { } sc) Scale(dst, sc.Slope, sc.Inter);
    }

    /// <summary>dst = (float)(dst * slope + inter) in double, vectorized (no fused multiply-add, as the scalar form).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scale(Span<float> dst, double slope, double inter)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && dst.Length >= Vector<float>.Count)
        {
            var v = MemoryMarshal.Cast<float, Vector<float>>(dst);
            var s = new Vector<double>(slope);
            var b = new Vector<double>(inter);
            for (var k = 0; k < v.Length; k++)
            {
                Vector.Widen(v[k], out var lo, out var hi);
                v[k] = Vector.Narrow(lo * s + b, hi * s + b);
            }
            i = v.Length * Vector<float>.Count;
        }
        for (; i < dst.Length; i++) dst[i] = (float)(dst[i] * slope + inter);
    }

    private static double Float64(ulong bits, bool swap) => BitConverter.UInt64BitsToDouble(swap ? BinaryPrimitives.ReverseEndianness(bits) : bits);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WidenUInt16(ReadOnlySpan<ushort> src, Span<float> dst)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && src.Length >= Vector<ushort>.Count)
        {
            var vin = MemoryMarshal.Cast<ushort, Vector<ushort>>(src);
            var vout = MemoryMarshal.Cast<float, Vector<float>>(dst);
            for (var k = 0; k < vin.Length; k++)
            {
                Vector.Widen(vin[k], out var lo, out var hi);
                vout[2 * k] = Vector.ConvertToSingle(lo);
                vout[2 * k + 1] = Vector.ConvertToSingle(hi);
            }
            i = vin.Length * Vector<ushort>.Count;
        }
        for (; i < src.Length; i++) dst[i] = src[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        if (BitConverter.IsLittleEndian && Vector.IsHardwareAccelerated && type is NiftiDataType.UInt8 or NiftiDataType.Int8
                or NiftiDataType.Int16 or NiftiDataType.UInt16 or NiftiDataType.Int32)
        {
            var done = EncodeVectorized(src, dst, type, slope, inter, min, max);
            src = src[done..];
            dst = dst[(done * type.BytesPerVoxel())..];
        }
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

    /// <summary>
    /// Encode's arithmetic for the types whose range a double and an int32 hold exactly, on whole
    /// vectors: the same double operations in the same order as the scalar Raw (subtract, divide,
    /// round half to even, clamp, NaN to 0), so every voxel gets the same stored value. Returns how
    /// many voxels it encoded (a multiple of the vector width); the caller does the rest.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int EncodeVectorized(ReadOnlySpan<float> src, Span<byte> dst, NiftiDataType type, double slope, double inter, double min, double max)
    {
        var width = Vector<float>.Count;
        var group = type is NiftiDataType.UInt8 or NiftiDataType.Int8 ? 4 : type is NiftiDataType.Int16 or NiftiDataType.UInt16 ? 2 : 1;
        var step = width * group;
        var n = src.Length / step * step;
        if (n == 0) return 0;
        var vin = MemoryMarshal.Cast<float, Vector<float>>(src[..n]);
        var k = new EncodeConstants(slope, inter, min, max);
        switch (group)
        {
            case 4:
                {
                    var vout = MemoryMarshal.Cast<byte, Vector<byte>>(dst[..n]);
                    for (var j = 0; j < vout.Length; j++)
                    {
                        // Raw is within the type's range, so truncating narrows keep the exact bits.
                        var s0 = Vector.Narrow(k.ToInt32(vin[4 * j]), k.ToInt32(vin[4 * j + 1]));
                        var s1 = Vector.Narrow(k.ToInt32(vin[4 * j + 2]), k.ToInt32(vin[4 * j + 3]));
                        vout[j] = Vector.Narrow(Vector.AsVectorUInt16(s0), Vector.AsVectorUInt16(s1));
                    }
                    break;
                }
            case 2:
                {
                    var vout = MemoryMarshal.Cast<byte, Vector<short>>(dst[..(2 * n)]);
                    for (var j = 0; j < vout.Length; j++) vout[j] = Vector.Narrow(k.ToInt32(vin[2 * j]), k.ToInt32(vin[2 * j + 1]));
                    break;
                }
            default:
                {
                    var vout = MemoryMarshal.Cast<byte, Vector<int>>(dst[..(4 * n)]);
                    for (var j = 0; j < vout.Length; j++) vout[j] = k.ToInt32(vin[j]);
                    break;
                }
        }
        return n;
    }

    private readonly struct EncodeConstants(double slope, double inter, double min, double max)
    {
        private readonly bool _unit = slope == 1 && inter == 0;
        // Unit scaling into a type of at most 16 bits: float arithmetic gives the same integers
        // (rounding a float to an integer is exact, and the bounds are exact floats), twice as wide.
        private readonly bool _inFloat = slope == 1 && inter == 0 && min >= short.MinValue && max <= ushort.MaxValue;
        private readonly Vector<double> _slope = new(slope), _inter = new(inter), _min = new(min), _max = new(max);
        private readonly Vector<float> _fmin = new((float)min), _fmax = new((float)max);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<int> ToInt32(Vector<float> v)
        {
            if (_inFloat)
            {
                var r = Vector.Min(Vector.Max(Vector.Round(v), _fmin), _fmax);
                return Vector.ConvertToInt32(Vector.ConditionalSelect(Vector.Equals(v, v), r, Vector<float>.Zero));
            }
            Vector.Widen(v, out var a, out var c);
            return Vector.Narrow(Vector.ConvertToInt64(Raw(a)), Vector.ConvertToInt64(Raw(c)));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Vector<double> Raw(Vector<double> x)
        {
            var r = Vector.Round(_unit ? x : (x - _inter) / _slope); // Round: half to even, as Math.Round's default
            r = Vector.Min(Vector.Max(r, _min), _max);
            return Vector.ConditionalSelect(Vector.Equals(x, x), r, Vector<double>.Zero); // NaN stores 0
        }
    }

    private static void ReverseInPlace(Span<uint> s) { for (var i = 0; i < s.Length; i++) s[i] = BinaryPrimitives.ReverseEndianness(s[i]); }
    private static void ReverseInPlace(Span<ulong> s) { for (var i = 0; i < s.Length; i++) s[i] = BinaryPrimitives.ReverseEndianness(s[i]); }
}
