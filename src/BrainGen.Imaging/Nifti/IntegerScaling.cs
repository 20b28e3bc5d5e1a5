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
        var gate = new object();
        foreach (var v in volumes)
        {
            Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, v.VoxelCount, 1 << 20), range =>
            {
                double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
                var whole = true;
                for (var i = range.Item1; i < range.Item2; i++)
                {
                    var x = v.Data[i];
                    if (!float.IsFinite(x)) continue;
                    if (x < lo) lo = x;
                    if (x > hi) hi = x;
                    if (whole && MathF.Round(x) != x) whole = false;
                }
                lock (gate)
                {
                    min = Math.Min(min, lo);
                    max = Math.Max(max, hi);
                    integral &= whole;
                }
            });
        }
        if (double.IsPositiveInfinity(min)) return (1, 0); // no finite voxel: everything stores as 0
        if (integral && min >= tmin && max <= tmax) return (1, 0);
        if (max == min) return (1, min); // a constant, non-integral image: store 0, inter carries the value
        var slope = (max - min) / (tmax - tmin);
        return (slope, min - tmin * slope);
    }
}
