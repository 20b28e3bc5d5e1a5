namespace BrainGen.Imaging;

/// <summary>
/// Crops and pads on the voxel grid (no interpolation). The affine is shifted so every kept voxel
/// keeps its world position; padded voxels get the fill value.
/// </summary>
public static class CropPad
{
    /// <summary>To the target shape, keeping the grid centre (extra voxels come off or go on evenly).</summary>
    public static Volume Centered(Volume v, int[] shape, float fill = 0)
    {
        CheckShape(shape);
        var start = new int[3];
        for (var a = 0; a < 3; a++) start[a] = (int)Math.Floor((v.Shape[a] - shape[a]) / 2.0);
        return Extract(v, start, shape, fill);
    }

    /// <summary>To the target shape, centred on the bounding box of the mask's nonzero voxels.</summary>
    public static Volume AroundMask(Volume v, Volume mask, int[] shape, float fill = 0)
    {
        CheckShape(shape);
        var (lo, hi) = BoundingBox(mask);
        var start = new int[3];
        for (var a = 0; a < 3; a++) start[a] = (int)Math.Floor((lo[a] + hi[a] + 1) / 2.0 - shape[a] / 2.0);
        return Extract(v, start, shape, fill);
    }

    /// <summary>Inclusive (min, max) voxel indices of the nonzero voxels of a mask on the same grid.</summary>
    public static (int[] Min, int[] Max) BoundingBox(Volume mask)
    {
        int[] lo = [int.MaxValue, int.MaxValue, int.MaxValue], hi = [-1, -1, -1];
        int nx = mask.Shape[0], ny = mask.Shape[1], nz = mask.Shape[2];
        for (var z = 0; z < nz; z++)
            for (var y = 0; y < ny; y++)
            {
                var row = nx * (y + ny * z);
                for (var x = 0; x < nx; x++)
                {
                    if (mask.Data[row + x] == 0 || float.IsNaN(mask.Data[row + x])) continue;
                    if (x < lo[0]) lo[0] = x;
                    if (x > hi[0]) hi[0] = x;
                    if (y < lo[1]) lo[1] = y;
                    if (y > hi[1]) hi[1] = y;
                    if (z < lo[2]) lo[2] = z;
                    if (z > hi[2]) hi[2] = z;
                }
            }
        if (hi[0] < 0) throw new ArgumentException("mask has no nonzero voxel: no bounding box");
        return (lo, hi);
    }

    /// <summary>The box [start, start + shape) of the grid; parts outside the input are filled.</summary>
    public static Volume Extract(Volume v, int[] start, int[] shape, float fill = 0)
    {
        CheckShape(shape);
        var output = new float[GridSize.Elements("crop/pad target", shape[0], shape[1], shape[2])];
        int nx = shape[0], ny = shape[1];
        int ix = v.Shape[0], iy = v.Shape[1], iz = v.Shape[2];
        var x0 = Math.Max(0, -start[0]);
        var x1 = Math.Min(nx, ix - start[0]);
        Parallel.For(0, shape[2], z =>
        {
            var sz = z + start[2];
            for (var y = 0; y < ny; y++)
            {
                var row = output.AsSpan(nx * (y + ny * z), nx);
                var sy = y + start[1];
                if (sz < 0 || sz >= iz || sy < 0 || sy >= iy || x0 >= x1)
                {
                    row.Fill(fill);
                    continue;
                }
                row[..x0].Fill(fill);
                row[x1..].Fill(fill);
                var srcRow = (long)ix * (sy + (long)iy * sz);
                v.Data.AsSpan((int)(srcRow + x0 + start[0]), x1 - x0).CopyTo(row[x0..x1]);
            }
        });
        var shift = Affine.FromSpacing(1, 1, 1, start[0], start[1], start[2]);
        return v.WithGrid(shape, output, v.Affine.Multiply(shift));
    }

    private static void CheckShape(int[] shape)
    {
        if (shape.Length != 3 || shape.Any(n => n < 1)) throw new ArgumentException($"target shape ({string.Join(", ", shape)}) must be 3 positive sizes");
    }
}
