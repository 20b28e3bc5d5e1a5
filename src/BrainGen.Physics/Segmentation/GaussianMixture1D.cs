namespace BrainGen.Physics.Segmentation;

/// <summary>
/// A mixture of K Gaussians over scalar intensities (the likelihood half of FAST's HMRF-EM; Zhang,
/// Brady and Smith, IEEE TMI 2001;20:45). Class order is whatever the caller uses; the segmenter keeps
/// it sorted by intensity.
/// </summary>
public sealed class GaussianMixture1D
{
    public double[] Weights { get; }
    public double[] Means { get; }
    public double[] Variances { get; }
    public int Classes => Means.Length;

    public GaussianMixture1D(double[] weights, double[] means, double[] variances)
    {
        if (weights.Length != means.Length || means.Length != variances.Length)
            throw new ArgumentException("Gaussian mixture: weights, means and variances must have one entry per class");
        Weights = weights; Means = means; Variances = variances;
    }

    /// <summary>Equal weights, the given means, and a common variance from the spacing of the means.</summary>
    public static GaussianMixture1D FromCentres(double[] centres)
    {
        int k = centres.Length;
        double spread = k > 1 ? (centres[^1] - centres[0]) / (k - 1) : Math.Abs(centres[0]) + 1;
        var variances = Enumerable.Repeat(Math.Pow(spread / 2, 2), k).ToArray();
        return new GaussianMixture1D(Enumerable.Repeat(1.0 / k, k).ToArray(), (double[])centres.Clone(), variances);
    }

    /// <summary>log N(x; μ_k, σ_k²).</summary>
    public double LogDensity(int k, double x)
    {
        double d = x - Means[k];
        return -0.5 * (d * d / Variances[k] + Math.Log(2 * Math.PI * Variances[k]));
    }

    /// <summary>
    /// M-step: μ_k = Σ p_ik x_i / Σ p_ik, σ_k² = Σ p_ik (x_i − μ_k)² / Σ p_ik, π_k = Σ p_ik / n.
    /// Posteriors are voxel-major (p[i·K + k]). A variance floor keeps a class from collapsing onto
    /// a single intensity.
    /// </summary>
    public void UpdateFrom(ReadOnlySpan<float> x, ReadOnlySpan<float> posteriors, double varianceFloor)
    {
        int k = Classes;
        var sw = new double[k]; var sx = new double[k]; var sxx = new double[k];
        for (int i = 0; i < x.Length; i++)
            for (int c = 0; c < k; c++)
            {
                double p = posteriors[i * k + c];
                sw[c] += p; sx[c] += p * x[i]; sxx[c] += p * x[i] * x[i];
            }
        double total = sw.Sum();
        for (int c = 0; c < k; c++)
        {
            if (sw[c] < 1e-6) continue; // an emptied class keeps its last parameters
            Means[c] = sx[c] / sw[c];
            Variances[c] = Math.Max(varianceFloor, sxx[c] / sw[c] - Means[c] * Means[c]);
            Weights[c] = sw[c] / total;
        }
    }

    public GaussianMixture1D Clone() => new((double[])Weights.Clone(), (double[])Means.Clone(), (double[])Variances.Clone());
}
