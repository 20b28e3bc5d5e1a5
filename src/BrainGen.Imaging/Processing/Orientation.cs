namespace BrainGen.Imaging;

/// <summary>
/// Voxel-axis orientation as nibabel's orientations.py defines it: each voxel axis is assigned the
/// world axis (R/L, A/P, S/I) it points closest to, after removing zooms and shear by polar
/// decomposition. Reorientation only permutes and flips voxels, never interpolates.
/// </summary>
public static class Orientation
{
    private static readonly char[] Positive = ['R', 'A', 'S'];
    private static readonly char[] Negative = ['L', 'P', 'I'];

    /// <summary>For each voxel axis: (world axis 0..2, +1 or -1). nibabel io_orientation.</summary>
    public static (int WorldAxis, int Sign)[] AxisOrientation(Affine affine)
    {
        var l = affine.Linear();
        var zooms = affine.Spacing();
        for (var c = 0; c < 3; c++)
        {
            var z = zooms[c] == 0 ? 1 : zooms[c];
            for (var r = 0; r < 3; r++) l[r, c] /= z;
        }
        var rotation = PolarRotation(l);
        var result = new (int, int)[3];
        for (var inAxis = 0; inAxis < 3; inAxis++)
        {
            var outAxis = 0;
            for (var r = 1; r < 3; r++)
                if (Math.Abs(rotation[r, inAxis]) > Math.Abs(rotation[outAxis, inAxis])) outAxis = r;
            if (Math.Abs(rotation[outAxis, inAxis]) < 1e-12)
                throw new InvalidOperationException("affine is degenerate: a voxel axis has no world direction");
            result[inAxis] = (outAxis, rotation[outAxis, inAxis] < 0 ? -1 : 1);
            for (var c = 0; c < 3; c++) rotation[outAxis, c] = 0; // a world axis is claimed once
        }
        return result;
    }

    /// <summary>Axis codes such as "RAS", "LAS", "LPS" (nibabel aff2axcodes).</summary>
    public static string AxisCodes(Affine affine)
    {
        try
        {
            return new string(AxisOrientation(affine).Select(o => o.Sign > 0 ? Positive[o.WorldAxis] : Negative[o.WorldAxis]).ToArray());
        }
        catch (InvalidOperationException)
        {
            return "???";
        }
    }

    public static Volume ToCanonical(Volume v) => Reorient(v, "RAS");

    /// <summary>Permute and flip voxel axes so they point to the given world directions.</summary>
    public static Volume Reorient(Volume v, string axisCodes)
    {
        var target = ParseCodes(axisCodes);
        var source = AxisOrientation(v.Affine);
        var sourceAxis = new int[3];
        var flip = new bool[3];
        for (var t = 0; t < 3; t++)
        {
            var a = Array.FindIndex(source, s => s.WorldAxis == target[t].WorldAxis);
            sourceAxis[t] = a;
            flip[t] = source[a].Sign != target[t].Sign;
        }
        return PermuteFlip(v, sourceAxis, flip);
    }

    /// <summary>
    /// Output axis t reads input axis sourceAxis[t], reversed where flip[t]. The affine is updated so
    /// every voxel keeps its world position.
    /// </summary>
    public static Volume PermuteFlip(Volume v, int[] sourceAxis, bool[] flip)
    {
        if (sourceAxis.OrderBy(a => a).SequenceEqual([0, 1, 2]) == false)
            throw new ArgumentException($"axis permutation ({string.Join(", ", sourceAxis)}) is not a permutation of 0, 1, 2");
        var inShape = v.Shape;
        if (sourceAxis.SequenceEqual([0, 1, 2]) && !flip.Any(f => f)) return v.WithData((float[])v.Data.Clone());

        long[] inStride = [1, inShape[0], (long)inShape[0] * inShape[1]];
        var outShape = new int[3];
        var step = new long[3];
        long origin = 0;
        var map = new double[4, 4];
        map[3, 3] = 1;
        for (var t = 0; t < 3; t++)
        {
            var a = sourceAxis[t];
            outShape[t] = inShape[a];
            step[t] = flip[t] ? -inStride[a] : inStride[a];
            if (flip[t]) origin += (inShape[a] - 1) * inStride[a];
            map[a, t] = flip[t] ? -1 : 1;
            map[a, 3] = flip[t] ? inShape[a] - 1 : 0;
        }

        var src = v.Data;
        var dst = new float[src.Length];
        int nx = outShape[0], ny = outShape[1];
        Parallel.For(0, outShape[2], z =>
        {
            for (var y = 0; y < ny; y++)
            {
                var i = origin + z * step[2] + y * step[1];
                var o = nx * (y + (long)ny * z);
                for (var x = 0; x < nx; x++, i += step[0]) dst[o + x] = src[i];
            }
        });

        var mapAffine = Affine.FromRowMajor(Enumerable.Range(0, 16).Select(k => map[k / 4, k % 4]).ToArray());
        return v.WithGrid(outShape, dst, v.Affine.Multiply(mapAffine));
    }

    private static (int WorldAxis, int Sign)[] ParseCodes(string codes)
    {
        if (codes is null || codes.Length != 3)
            throw new ArgumentException($"axis codes must be 3 letters such as RAS or LPS, got '{codes}'");
        var result = new (int, int)[3];
        for (var i = 0; i < 3; i++)
        {
            var ch = char.ToUpperInvariant(codes[i]);
            var p = Array.IndexOf(Positive, ch);
            var n = Array.IndexOf(Negative, ch);
            if (p < 0 && n < 0) throw new ArgumentException($"axis code '{codes[i]}' in '{codes}' is not one of R L A P S I");
            result[i] = p >= 0 ? (p, 1) : (n, -1);
        }
        if (result.Select(r => r.Item1).Distinct().Count() != 3)
            throw new ArgumentException($"axis codes '{codes}' name a world axis twice");
        return result;
    }

    /// <summary>Orthogonal factor of the polar decomposition (Newton iteration X = (X + X^-T)/2).</summary>
    internal static double[,] PolarRotation(double[,] m)
    {
        var x = (double[,])m.Clone();
        for (var iter = 0; iter < 100; iter++)
        {
            var invT = InverseTranspose3(x);
            double change = 0;
            for (var r = 0; r < 3; r++)
                for (var c = 0; c < 3; c++)
                {
                    var next = 0.5 * (x[r, c] + invT[r, c]);
                    change = Math.Max(change, Math.Abs(next - x[r, c]));
                    x[r, c] = next;
                }
            if (change < 1e-15) break;
        }
        return x;
    }

    private static double[,] InverseTranspose3(double[,] a)
    {
        var det = a[0, 0] * (a[1, 1] * a[2, 2] - a[1, 2] * a[2, 1])
                - a[0, 1] * (a[1, 0] * a[2, 2] - a[1, 2] * a[2, 0])
                + a[0, 2] * (a[1, 0] * a[2, 1] - a[1, 1] * a[2, 0]);
        if (Math.Abs(det) < 1e-300 || !double.IsFinite(det))
            throw new InvalidOperationException("affine is singular: its voxel axes do not span 3D space");
        var r = new double[3, 3];
        // cofactor matrix / det = inverse transpose
        r[0, 0] = (a[1, 1] * a[2, 2] - a[1, 2] * a[2, 1]) / det;
        r[0, 1] = -(a[1, 0] * a[2, 2] - a[1, 2] * a[2, 0]) / det;
        r[0, 2] = (a[1, 0] * a[2, 1] - a[1, 1] * a[2, 0]) / det;
        r[1, 0] = -(a[0, 1] * a[2, 2] - a[0, 2] * a[2, 1]) / det;
        r[1, 1] = (a[0, 0] * a[2, 2] - a[0, 2] * a[2, 0]) / det;
        r[1, 2] = -(a[0, 0] * a[2, 1] - a[0, 1] * a[2, 0]) / det;
        r[2, 0] = (a[0, 1] * a[1, 2] - a[0, 2] * a[1, 1]) / det;
        r[2, 1] = -(a[0, 0] * a[1, 2] - a[0, 2] * a[1, 0]) / det;
        r[2, 2] = (a[0, 0] * a[1, 1] - a[0, 1] * a[1, 0]) / det;
        return r;
    }
}
