namespace BrainGen.Physics.Segmentation;

/// <summary>
/// Partial-volume fractions from a fitted three-tissue mixture, in the spirit of FAST's mixel model
/// (Zhang, Brady and Smith 2001) and Shattuck et al.'s PVC classes (NeuroImage 2001;13:856):
/// besides the pure classes, a voxel may be a mixel of two tissues a, b with intensity
/// x ~ N((1−f)μ_a + fμ_b, (1−f)σ_a² + fσ_b²), f uniform on [0, 1]. A mixel is only plausible where
/// the MRF segmentation has both tissues in the neighbourhood, which is how its prior is built, so
/// noise in a pure region does not turn into spurious partial volume. The output is the expected
/// fraction of each tissue per voxel (they sum to 1): the quantity whose sum is a volume.
/// </summary>
internal static class PartialVolume
{
    private const int FractionSteps = 10;

    /// <summary>Mixel pairs in tissue order CSF=0, GM=1, WM=2: CSF/GM (sulci), GM/WM, CSF/WM (ventricle walls).</summary>
    private static readonly (int A, int B)[] Pairs = [(0, 1), (1, 2), (0, 2)];

    public static float[] Estimate(ReadOnlySpan<float> intensities, GaussianMixture1D mixture, ReadOnlySpan<float> posteriors,
                                   MaskedNeighbourhood neighbourhood, double mixelPrior)
    {
        const int k = 3;
        if (mixture.Classes != k) throw new ArgumentException("partial volume needs exactly three tissue classes");
        var x = intensities.ToArray();
        var post = posteriors.ToArray();
        var fractions = new float[x.Length * k];
        var nb = neighbourhood.Neighbours;
        Parallel.For(0, x.Length, i =>
        {
            Span<double> local = stackalloc double[k];
            int count = 1;
            for (int c = 0; c < k; c++) local[c] = post[i * k + c];
            for (int d = 0; d < MaskedNeighbourhood.NeighbourCount; d++)
            {
                int j = nb[i * MaskedNeighbourhood.NeighbourCount + d];
                if (j < 0) continue;
                count++;
                for (int c = 0; c < k; c++) local[c] += post[j * k + c];
            }
            for (int c = 0; c < k; c++) local[c] /= count;

            Span<double> result = stackalloc double[k];
            double total = 0;
            for (int c = 0; c < k; c++)
            {
                double p = local[c] * Math.Exp(mixture.LogDensity(c, x[i]));
                result[c] += p;
                total += p;
            }
            foreach (var (a, b) in Pairs)
            {
                double prior = mixelPrior * Math.Min(local[a], local[b]);
                if (prior < 1e-6) continue;
                var (likelihood, meanFraction) = MixelLikelihood(x[i], mixture, a, b);
                double p = prior * likelihood;
                result[a] += p * (1 - meanFraction);
                result[b] += p * meanFraction;
                total += p;
            }
            for (int c = 0; c < k; c++)
                fractions[i * k + c] = total > 0 ? (float)(result[c] / total) : post[i * k + c];
        });
        return fractions;
    }

    /// <summary>∫ N(x; mixed mean, mixed variance) df over f ∈ [0,1] (midpoint rule), and E[f | x, mixel].</summary>
    private static (double Likelihood, double MeanFraction) MixelLikelihood(double x, GaussianMixture1D m, int a, int b)
    {
        double sum = 0, weighted = 0;
        for (int s = 0; s < FractionSteps; s++)
        {
            double f = (s + 0.5) / FractionSteps;
            double mean = (1 - f) * m.Means[a] + f * m.Means[b];
            double variance = (1 - f) * m.Variances[a] + f * m.Variances[b];
            double d = x - mean;
            double l = Math.Exp(-0.5 * d * d / variance) / Math.Sqrt(2 * Math.PI * variance);
            sum += l;
            weighted += l * f;
        }
        return (sum / FractionSteps, sum > 0 ? weighted / sum : 0.5);
    }
}
