namespace BrainGen.Imaging;

/// <summary>
/// Intensity normalizations used before training. Masks are volumes on the same grid whose
/// nonzero voxels are "inside"; NaN voxels are ignored by every statistic.
/// </summary>
public static class IntensityNormalization
{
    /// <summary>Linear map of [min, max] onto [low, high]; a constant image maps to low.</summary>
    public static Volume MinMax(Volume v, float low = 0, float high = 1)
    {
        var (min, max) = v.Range();
        var range = (double)max - min;
        var scale = range > 0 ? (high - low) / range : 0;
        return Map(v, x => (float)(low + (x - min) * scale));
    }

    /// <summary>
    /// Clips to the given percentiles (numpy's linear interpolation, over the mask if given) and
    /// scales that window to [0, 1]; robust to the few hot voxels that ruin min-max.
    /// </summary>
    public static Volume PercentileClip(Volume v, double lowPercentile = 0.5, double highPercentile = 99.5, Volume? mask = null)
    {
        if (!(lowPercentile >= 0 && lowPercentile < highPercentile && highPercentile <= 100))
            throw new ArgumentException($"percentiles must satisfy 0 <= low < high <= 100, got {lowPercentile} and {highPercentile}");
        var values = Collect(v, mask);
        var lo = Statistics.Percentile(values, lowPercentile);
        var hi = Statistics.Percentile(values, highPercentile);
        var range = hi - lo;
        return Map(v, x =>
        {
            if (float.IsNaN(x)) return x;
            var c = Math.Clamp(x, lo, hi);
            return range > 0 ? (float)((c - lo) / range) : 0f;
        });
    }

    /// <summary>
    /// (x - mean) / std with mean and std from the voxels inside the mask; voxels outside become 0
    /// (the background carries no intensity information and would otherwise dominate).
    /// </summary>
    public static Volume ZScore(Volume v, Volume mask)
    {
        CheckGrid(v, mask);
        double sum = 0, sumSq = 0;
        long n = 0;
        for (var i = 0; i < v.VoxelCount; i++)
        {
            var x = v.Data[i];
            if (mask.Data[i] == 0 || float.IsNaN(mask.Data[i]) || float.IsNaN(x)) continue;
            sum += x;
            n++;
        }
        if (n == 0) throw new ArgumentException("mask selects no voxels: cannot z-score");
        var mean = sum / n;
        for (var i = 0; i < v.VoxelCount; i++)
        {
            var x = v.Data[i];
            if (mask.Data[i] == 0 || float.IsNaN(mask.Data[i]) || float.IsNaN(x)) continue;
            sumSq += (x - mean) * (x - mean);
        }
        var std = Math.Sqrt(sumSq / n);
        var inv = std > 0 ? 1 / std : 0;
        var output = new float[v.VoxelCount];
        Parallel.For(0, v.Shape[2], z =>
        {
            var start = z * v.Shape[0] * v.Shape[1];
            for (var i = start; i < start + v.Shape[0] * v.Shape[1]; i++)
                output[i] = mask.Data[i] == 0 || float.IsNaN(mask.Data[i]) ? 0 : (float)((v.Data[i] - mean) * inv);
        });
        return v.WithData(output);
    }

    /// <summary>Voxels above a threshold: a quick foreground mask for template-like images.</summary>
    public static Volume ThresholdMask(Volume v, float threshold) => Map(v, x => x > threshold ? 1f : 0f);

    private static float[] Collect(Volume v, Volume? mask)
    {
        if (mask is not null) CheckGrid(v, mask);
        var list = new List<float>(mask is null ? v.VoxelCount : 0);
        for (var i = 0; i < v.VoxelCount; i++)
        {
            var x = v.Data[i];
            if (float.IsNaN(x)) continue;
            if (mask is not null && (mask.Data[i] == 0 || float.IsNaN(mask.Data[i]))) continue;
            list.Add(x);
        }
        if (list.Count == 0) throw new ArgumentException("no voxels to take percentiles of (empty mask or all NaN)");
        return [.. list];
    }

    private static Volume Map(Volume v, Func<float, float> f)
    {
        var output = new float[v.VoxelCount];
        var plane = v.Shape[0] * v.Shape[1];
        Parallel.For(0, v.Shape[2], z =>
        {
            for (var i = z * plane; i < (z + 1) * plane; i++) output[i] = f(v.Data[i]);
        });
        return v.WithData(output);
    }

    private static void CheckGrid(Volume v, Volume mask)
    {
        if (!v.Shape.SequenceEqual(mask.Shape))
            throw new ArgumentException($"mask shape ({string.Join(", ", mask.Shape)}) differs from volume shape ({string.Join(", ", v.Shape)})");
    }
}
