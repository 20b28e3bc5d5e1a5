using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BrainGen.Imaging;

/// <summary>
/// scl_slope / scl_inter for storing float voxels in an integer type. Data that are already whole
/// numbers inside the type's range are stored exactly (slope 1, inter 0); anything else is mapped
/// linearly onto the type's full range, so the round-trip error is at most half a step.
/// </summary>
internal static class IntegerScaling
{
    public static (double Slope, double Inter) Compute(IReadOnlyList<Volume> volumes, NiftiDataType dtype)
    {
        var (tmin, tmax) = dtype.IntegerRange();
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        var integral = true;
        foreach (var v in volumes)
        {
            var (lo, hi, whole) = Scan(v.Data);
            min = Math.Min(min, lo);
            max = Math.Max(max, hi);
            integral &= whole;
        }
        min += 0.0; // -0 -> +0: which zero a vector min keeps is not specified
        max += 0.0;
        if (double.IsPositiveInfinity(min)) return (1, 0); // no finite voxel: everything stores as 0
        if (integral && min >= tmin && max <= tmax) return (1, 0);
        if (max == min) return (1, min); // a constant, non-integral image: store 0, inter carries the value
        var slope = (max - min) / (tmax - tmin);
        return (slope, min - tmin * slope);
    }

    /// <summary>Finite minimum and maximum, and whether every finite value is a whole number (one vectorized pass).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: full optimization on the first call, not after tiering
    internal static (double Min, double Max, bool Integral) Scan(ReadOnlySpan<float> data)
    {
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        var whole = true;
        var i = 0;
        if (Vector.IsHardwareAccelerated && data.Length >= Vector<float>.Count)
        {
            var vlo = new Vector<float>(float.PositiveInfinity);
            var vhi = new Vector<float>(float.NegativeInfinity);
            var fraction = Vector<int>.Zero;
            var v = MemoryMarshal.Cast<float, Vector<float>>(data);
            for (var k = 0; k < v.Length; k++)
            {
                var x = v[k];
                var finite = Vector.Equals(x - x, Vector<float>.Zero); // x - x is NaN for NaN and ±inf
                vlo = Vector.Min(vlo, Vector.ConditionalSelect(finite, x, new Vector<float>(float.PositiveInfinity)));
                vhi = Vector.Max(vhi, Vector.ConditionalSelect(finite, x, new Vector<float>(float.NegativeInfinity)));
                fraction |= Vector.AndNot(finite, Vector.Equals(Vector.Floor(x), x));
            }
            for (var j = 0; j < Vector<float>.Count; j++)
            {
                lo = Math.Min(lo, vlo[j]);
                hi = Math.Max(hi, vhi[j]);
            }
            whole = fraction == Vector<int>.Zero;
            i = v.Length * Vector<float>.Count;
        }
        for (; i < data.Length; i++)
        {
            var x = data[i];
            if (!float.IsFinite(x)) continue;
            if (x < lo) lo = x;
            if (x > hi) hi = x;
            if (whole && MathF.Floor(x) != x) whole = false;
        }
        return (lo, hi, whole);
    }
}
