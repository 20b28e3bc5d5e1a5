namespace BrainGen.Imaging;

/// <summary>Order statistics and summaries over voxel arrays (NaN-free input unless stated).</summary>
public static class Statistics
{
    /// <summary>
    /// numpy.percentile with its default linear interpolation. Reorders <paramref name="values"/>
    /// in place (quickselect, O(n)), so pass a copy you do not need sorted.
    /// </summary>
    public static float Percentile(float[] values, double percentile)
    {
        if (values.Length == 0) throw new ArgumentException("percentile of an empty set");
        var rank = percentile / 100.0 * (values.Length - 1);
        var lo = (int)Math.Floor(rank);
        var frac = rank - lo;
        var a = Select(values, 0, values.Length - 1, lo);
        if (frac == 0 || lo + 1 >= values.Length) return a;
        // after Select, everything right of lo is >= a: the next order statistic is their minimum
        var b = float.PositiveInfinity;
        for (var i = lo + 1; i < values.Length; i++) if (values[i] < b) b = values[i];
        return (float)(a + (b - a) * frac);
    }

    /// <summary>Mean, standard deviation, min, max over finite values; NaN count reported apart.</summary>
    public static (double Mean, double Std, float Min, float Max, long Finite, long NonFinite) Summary(ReadOnlySpan<float> data)
    {
        double sum = 0, sumSq = 0;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        long n = 0, bad = 0;
        foreach (var x in data)
        {
            if (!float.IsFinite(x)) { bad++; continue; }
            sum += x;
            sumSq += (double)x * x;
            if (x < min) min = x;
            if (x > max) max = x;
            n++;
        }
        var mean = n > 0 ? sum / n : double.NaN;
        var variance = n > 0 ? Math.Max(0, sumSq / n - mean * mean) : double.NaN;
        return (mean, Math.Sqrt(variance), min, max, n, bad);
    }

    private static float Select(float[] a, int left, int right, int k)
    {
        while (right > left)
        {
            var mid = left + (right - left) / 2;
            // median of three as pivot keeps sorted and constant inputs from going quadratic
            if (a[mid] < a[left]) (a[mid], a[left]) = (a[left], a[mid]);
            if (a[right] < a[left]) (a[right], a[left]) = (a[left], a[right]);
            if (a[right] < a[mid]) (a[right], a[mid]) = (a[mid], a[right]);
            var pivot = a[mid];
            int i = left, j = right;
            while (i <= j)
            {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }
            if (k <= j) right = j;
            else if (k >= i) left = i;
            else return a[k];
        }
        return a[k];
    }
}
