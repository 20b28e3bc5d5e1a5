namespace BrainGen.Physics.Segmentation;

/// <summary>
/// k-means on scalar intensities, run on a fine histogram so it costs O(bins) per iteration however
/// many voxels there are. It only has to start the Gaussian mixture (Zhang, Brady and Smith 2001
/// initialise FAST the same way), so 512 bins are plenty.
/// </summary>
public static class KMeans1D
{
    /// <summary>Sorted cluster centres. Starts from evenly spaced quantiles, then Lloyd iterations.</summary>
    public static double[] Fit(ReadOnlySpan<float> values, int clusters, int bins = 512, int iterations = 50)
    {
        if (values.Length < clusters) throw new ArgumentException($"k-means needs at least {clusters} values, got {values.Length}");
        float min = float.MaxValue, max = float.MinValue;
        foreach (var v in values) { if (v < min) min = v; if (v > max) max = v; }
        if (!(max > min)) throw new ArgumentException("k-means: all intensities are equal; nothing to segment");
        var counts = new double[bins];
        double width = (max - min) / bins;
        foreach (var v in values) counts[Math.Min(bins - 1, (int)((v - min) / width))]++;
        double Centre(int b) => min + (b + 0.5) * width;

        var centres = new double[clusters];
        double total = values.Length, cumulative = 0;
        for (int b = 0, k = 0; b < bins && k < clusters; b++)
        {
            cumulative += counts[b];
            while (k < clusters && cumulative >= total * (k + 0.5) / clusters) centres[k++] = Centre(b);
        }
        for (int it = 0; it < iterations; it++)
        {
            var sum = new double[clusters];
            var n = new double[clusters];
            for (int b = 0; b < bins; b++)
            {
                if (counts[b] == 0) continue;
                double c = Centre(b);
                int best = 0;
                for (int k = 1; k < clusters; k++) if (Math.Abs(c - centres[k]) < Math.Abs(c - centres[best])) best = k;
                sum[best] += counts[b] * c;
                n[best] += counts[b];
            }
            bool moved = false;
            for (int k = 0; k < clusters; k++)
            {
                if (n[k] == 0) continue;
                double next = sum[k] / n[k];
                moved |= Math.Abs(next - centres[k]) > 1e-9 * (max - min);
                centres[k] = next;
            }
            if (!moved) break;
        }
        Array.Sort(centres);
        return centres;
    }
}
