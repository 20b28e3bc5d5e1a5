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
        var output = new float[GridSize.Elements("resampling target", shape[0], shape[1], shape[2])];
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
                        : TrilinearPoint.TryInside(ix, iy, iz, cx, cy, cz, out var point) ? point.Sample(src) : fill;
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
        var sizes = Enumerable.Range(0, 3).Select(c => Math.Max(1, Math.Round(shape[c] * old[c] / spacing[c]))).ToArray();
        GridSize.Elements($"resampling {string.Join("x", shape)} voxels to a spacing of {string.Join(" x ", spacing)} mm", sizes);
        var newShape = sizes.Select(n => (int)n).ToArray();
        var linear = affine.Linear();
        for (var c = 0; c < 3; c++)
            for (var r = 0; r < 3; r++) linear[r, c] *= spacing[c] / old[c];
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
}
