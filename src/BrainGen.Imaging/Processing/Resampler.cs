namespace BrainGen.Imaging;

/// <summary>
/// Resamples a volume onto another voxel grid by pulling each output voxel centre back through the
/// two affines, so world positions stay put. Voxels whose centre falls outside the input get the
/// fill value. Coordinates within 1e-6 of a whole voxel snap to it, which makes identity and
/// integer-shift grids exact copies rather than near-copies.
/// </summary>
public static class Resampler
{
    private const double Snap = 1e-6;

    public static Volume ToGrid(Volume v, int[] shape, Affine affine, Interpolation interpolation = Interpolation.Trilinear, float fill = 0)
    {
        if (shape.Length != 3 || shape.Any(n => n < 1)) throw new ArgumentException($"target shape ({string.Join(", ", shape)}) must be 3 positive sizes");
        var map = v.Affine.Inverse().Multiply(affine); // output voxel -> input voxel
        var output = new float[checked(shape[0] * shape[1] * shape[2])];
        int nx = shape[0], ny = shape[1];
        int ix = v.Shape[0], iy = v.Shape[1], iz = v.Shape[2];
        var src = v.Data;
        Parallel.For(0, shape[2], z =>
        {
            for (var y = 0; y < ny; y++)
            {
                var o = nx * (y + ny * z);
                for (var x = 0; x < nx; x++)
                {
                    var (cx, cy, cz) = map.Transform(x, y, z);
                    cx = SnapToVoxel(cx); cy = SnapToVoxel(cy); cz = SnapToVoxel(cz);
                    output[o + x] = interpolation == Interpolation.Nearest
                        ? Nearest(src, ix, iy, iz, cx, cy, cz, fill)
                        : Trilinear(src, ix, iy, iz, cx, cy, cz, fill);
                }
            }
        });
        return v.WithGrid(shape, output, affine);
    }

    /// <summary>
    /// New voxel sizes along the same axes, keeping the field of view's centre fixed; the shape is
    /// the old extent divided by the new spacing, rounded.
    /// </summary>
    public static Volume ToSpacing(Volume v, double[] spacing, Interpolation interpolation = Interpolation.Trilinear, float fill = 0)
    {
        var (shape, affine) = GridForSpacing(v.Shape, v.Affine, spacing);
        return ToGrid(v, shape, affine, interpolation, fill);
    }

    /// <summary>The grid <see cref="ToSpacing"/> resamples onto.</summary>
    public static (int[] Shape, Affine Affine) GridForSpacing(int[] shape, Affine affine, double[] spacing)
    {
        if (spacing.Length != 3 || spacing.Any(s => !(s > 0) || !double.IsFinite(s)))
            throw new ArgumentException($"spacing ({string.Join(", ", spacing)}) must be 3 positive sizes in mm");
        var old = affine.Spacing();
        var newShape = new int[3];
        var linear = affine.Linear();
        for (var c = 0; c < 3; c++)
        {
            newShape[c] = Math.Max(1, (int)Math.Round(shape[c] * old[c] / spacing[c]));
            for (var r = 0; r < 3; r++) linear[r, c] *= spacing[c] / old[c];
        }
        var center = affine.Transform((shape[0] - 1) / 2.0, (shape[1] - 1) / 2.0, (shape[2] - 1) / 2.0);
        var scaled = Affine.FromLinear(linear, 0, 0, 0);
        var offset = scaled.Transform((newShape[0] - 1) / 2.0, (newShape[1] - 1) / 2.0, (newShape[2] - 1) / 2.0);
        return (newShape, Affine.FromLinear(linear, center.X - offset.X, center.Y - offset.Y, center.Z - offset.Z));
    }

    private static double SnapToVoxel(double c)
    {
        var r = Math.Round(c);
        return Math.Abs(c - r) < Snap ? r : c;
    }

    private static float Nearest(float[] src, int nx, int ny, int nz, double cx, double cy, double cz, float fill)
    {
        var x = (int)Math.Floor(cx + 0.5);
        var y = (int)Math.Floor(cy + 0.5);
        var z = (int)Math.Floor(cz + 0.5);
        if ((uint)x >= (uint)nx || (uint)y >= (uint)ny || (uint)z >= (uint)nz) return fill;
        return src[x + nx * (y + (long)ny * z)];
    }

    private static float Trilinear(float[] src, int nx, int ny, int nz, double cx, double cy, double cz, float fill)
    {
        if (!(cx >= 0 && cx <= nx - 1 && cy >= 0 && cy <= ny - 1 && cz >= 0 && cz <= nz - 1)) return fill;
        int x0 = (int)cx, y0 = (int)cy, z0 = (int)cz;
        double fx = cx - x0, fy = cy - y0, fz = cz - z0;
        // With zero weight the upper neighbour is the voxel itself: exact, and never out of bounds.
        var x1 = fx > 0 ? x0 + 1 : x0;
        var y1 = fy > 0 ? y0 + 1 : y0;
        var z1 = fz > 0 ? z0 + 1 : z0;
        long sy = nx, sz = (long)nx * ny;
        long r00 = y0 * sy + z0 * sz, r10 = y1 * sy + z0 * sz, r01 = y0 * sy + z1 * sz, r11 = y1 * sy + z1 * sz;
        var c00 = Lerp(src[r00 + x0], src[r00 + x1], fx);
        var c10 = Lerp(src[r10 + x0], src[r10 + x1], fx);
        var c01 = Lerp(src[r01 + x0], src[r01 + x1], fx);
        var c11 = Lerp(src[r11 + x0], src[r11 + x1], fx);
        return (float)Lerp(Lerp(c00, c10, fy), Lerp(c01, c11, fy), fz);
    }

    private static double Lerp(double a, double b, double t) => t == 0 ? a : a + (b - a) * t;
}
