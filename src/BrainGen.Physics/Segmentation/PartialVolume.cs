namespace BrainGen.Physics.Segmentation;

/// <summary>
/// Partial-volume fractions from a fitted three-tissue mixture, in the spirit of FAST's mixel model
/// (Zhang, Brady and Smith 2001) and Shattuck et al.'s PVC classes (NeuroImage 2001;13:856):
/// besides the pure classes, a voxel may be a mixel of two tissues a, b with intensity
/// x ~ N((1−f)μ_a + fμ_b, (1−f)σ_a² + fσ_b²), f uniform on [0, 1]. Each class's prior is its
/// mixture weight (<see cref="MixelMixture"/>) times how compatible it is with the MRF segmentation
/// around the voxel: a pure class by its share of the neighbourhood, a mixel by the smaller share of
/// its two tissues. The CSF/WM mixel (ventricle walls) has the same intensities as GM, so it has no
/// weight of its own in the histogram; it is allowed only where both tissues are present around the
/// voxel. Outside the mask counts as CSF there: the skull strip runs through the CSF round the brain,
/// so its edge voxels may be CSF/GM mixels although the MRF, which sees no CSF at 2 mm, calls them GM
/// (phantoms: 4–9 mL less brain read in them). The output is the expected fraction of each tissue per
/// voxel (they sum to 1): the quantity whose sum is a volume.
/// </summary>
internal static class PartialVolume
{
    private const int FractionSteps = 10;

    /// <summary>
    /// Floor of the spatial compatibility of the histogram's classes: a class absent around a voxel stays
    /// possible (its intensity can still win), so thin structures below the MRF's resolution, such as
    /// sulcal CSF at 2 mm, keep their partial volume.
    /// </summary>
    private const double CompatibilityFloor = 0.1;

    public static float[] Estimate(ReadOnlySpan<float> intensities, GaussianMixture1D mixture, MixelMixture.ClassWeights weights, ReadOnlySpan<float> posteriors,
                                   MaskedNeighbourhood neighbourhood, double wallMixelWeight)
    {
        const int k = 3;
        if (mixture.Classes != k) throw new ArgumentException("partial volume needs exactly three tissue classes");
        var x = intensities.ToArray();
        var post = posteriors.ToArray();
        var fractions = new float[x.Length * k];
        var nb = neighbourhood.Neighbours;
        // CSF/WM mixels take the GM/WM mixel's weight scaled by the caller's factor.
        double wallWeight = wallMixelWeight * weights.GmWm;
        Parallel.For(0, x.Length, i =>
        {
            Span<double> local = stackalloc double[k];
            int count = 1;
            for (int c = 0; c < k; c++) local[c] = post[i * k + c];
            for (int d = 0; d < MaskedNeighbourhood.NeighbourCount; d++)
            {
                int j = nb[i * MaskedNeighbourhood.NeighbourCount + d];
                count++;
                if (j < 0) { local[0] += 1; continue; }
                for (int c = 0; c < k; c++) local[c] += post[j * k + c];
            }
            for (int c = 0; c < k; c++) local[c] /= count;

            Span<double> result = stackalloc double[k];
            double total = 0;
            for (int c = 0; c < k; c++)
            {
                double p = weights.Tissue[c] * (CompatibilityFloor + local[c]) * Math.Exp(mixture.LogDensity(c, x[i]));
                result[c] += p;
                total += p;
            }
            AddMixel(x[i], mixture, 0, 1, weights.CsfGm * (CompatibilityFloor + Math.Min(local[0], local[1])), result, ref total);
            AddMixel(x[i], mixture, 1, 2, weights.GmWm * (CompatibilityFloor + Math.Min(local[1], local[2])), result, ref total);
            AddMixel(x[i], mixture, 0, 2, wallWeight * Math.Min(local[0], local[2]), result, ref total);
            for (int c = 0; c < k; c++)
                fractions[i * k + c] = total > 0 ? (float)(result[c] / total) : post[i * k + c];
        });
        return fractions;
    }

    /// <summary>Adds the posterior mass of an a/b mixel with this prior, split between a and b by its expected fraction.</summary>
    private static void AddMixel(double x, GaussianMixture1D mixture, int a, int b, double prior, Span<double> result, ref double total)
    {
        if (prior < 1e-9) return;
        var (likelihood, meanFraction) = MixelLikelihood(x, mixture, a, b);
        double p = prior * likelihood;
        result[a] += p * (1 - meanFraction);
        result[b] += p * meanFraction;
        total += p;
    }

    /// <summary>∫ N(x; mixed mean, mixed variance) df over f ∈ [0,1] (midpoint rule), and E[f | x, mixel].</summary>
    internal static (double Likelihood, double MeanFraction) MixelLikelihood(double x, GaussianMixture1D m, int a, int b)
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
