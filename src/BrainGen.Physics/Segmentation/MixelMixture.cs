namespace BrainGen.Physics.Segmentation;

/// <summary>
/// Refits the pure-tissue Gaussians with two-tissue mixel classes in the intensity model (Santago
/// and Gage, IEEE TMI 1993;12:566; Shattuck et al., NeuroImage 2001;13:856 §2.3). Why: at 2 mm most
/// brain voxels mix tissues (over 70% on the phantoms), so a three-class mixture fitted to all of
/// them drags each pure class towards its neighbours (the CSF mean of a T1w landed 60% of the way
/// to the true CSF/GM midpoint) and partial-volume fractions computed from it call boundary voxels
/// mostly CSF. Mixels of CSF/GM and GM/WM (the anatomical neighbours) explain those voxels instead,
/// so the pure means and variances come from pure voxels. It runs on a histogram (fixed bins), so
/// its cost does not grow with the image.
/// </summary>
internal static class MixelMixture
{
    private const int Bins = 512;
    private const int Iterations = 40;

    /// <summary>Mixel pairs in tissue order CSF=0, GM=1, WM=2 (CSF/WM is left to the spatial prior: by intensity alone it looks like GM).</summary>
    private static readonly (int A, int B)[] Pairs = [(0, 1), (1, 2)];

    /// <summary>Mixture weights of the five classes (they sum to 1): pure CSF, GM, WM in tissue order, and the two mixels.</summary>
    public sealed record ClassWeights(double[] Tissue, double CsfGm, double GmWm);

    /// <summary>Updates <paramref name="tissues"/> (tissue order CSF, GM, WM) in place and returns the weights of all five classes.</summary>
    public static ClassWeights Refine(ReadOnlySpan<float> intensities, GaussianMixture1D tissues, double varianceFloor)
    {
        if (tissues.Classes != 3) throw new ArgumentException("mixel refinement needs exactly three tissue classes");
        var (centres, counts, width) = Histogram(intensities);
        int classes = 3 + Pairs.Length;
        var weights = new double[classes];
        for (int c = 0; c < classes; c++) weights[c] = 1.0 / classes;
        var likelihood = new double[classes];
        for (int iteration = 0; iteration < Iterations; iteration++)
        {
            var sw = new double[classes];
            var sx = new double[3];
            var sxx = new double[3];
            for (int b = 0; b < Bins; b++)
            {
                if (counts[b] == 0) continue;
                double x = centres[b], total = 0;
                for (int c = 0; c < 3; c++) likelihood[c] = weights[c] * Math.Exp(tissues.LogDensity(c, x));
                for (int p = 0; p < Pairs.Length; p++) likelihood[3 + p] = weights[3 + p] * PartialVolume.MixelLikelihood(x, tissues, Pairs[p].A, Pairs[p].B).Likelihood;
                for (int c = 0; c < classes; c++) total += likelihood[c];
                if (total <= 0) continue;
                for (int c = 0; c < classes; c++)
                {
                    double r = counts[b] * likelihood[c] / total;
                    sw[c] += r;
                    if (c < 3) { sx[c] += r * x; sxx[c] += r * x * x; }
                }
            }
            double n = sw.Sum();
            for (int c = 0; c < classes; c++) weights[c] = sw[c] / n;
            for (int c = 0; c < 3; c++)
            {
                if (sw[c] < 1) continue; // a class with no pure voxels keeps its last parameters
                tissues.Means[c] = sx[c] / sw[c];
                // Sheppard's correction: binning adds width²/12 to the variance.
                tissues.Variances[c] = Math.Max(varianceFloor, sxx[c] / sw[c] - tissues.Means[c] * tissues.Means[c] - width * width / 12);
            }
            // Pure CSF is one uniform fluid: its spread is noise alone, never wider than the parenchyma's
            // (noise plus tissue texture). Unbounded, a CSF Gaussian as wide as the partial-volume tail
            // explains that tail better than the CSF/GM mixel when GM and WM are hard to tell apart.
            tissues.Variances[0] = Math.Min(tissues.Variances[0], Math.Max(tissues.Variances[1], tissues.Variances[2]));
        }
        double pure = weights[0] + weights[1] + weights[2];
        for (int c = 0; c < 3; c++) tissues.Weights[c] = weights[c] / pure;
        return new ClassWeights(weights[..3], weights[3], weights[4]);
    }

    private static (double[] Centres, double[] Counts, double Width) Histogram(ReadOnlySpan<float> x)
    {
        float lo = float.MaxValue, hi = float.MinValue;
        foreach (var v in x) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
        double width = Math.Max(hi - lo, 1e-6) / Bins;
        var counts = new double[Bins];
        foreach (var v in x) counts[Math.Min(Bins - 1, (int)((v - lo) / width))]++;
        var centres = new double[Bins];
        for (int b = 0; b < Bins; b++) centres[b] = lo + (b + 0.5) * width;
        return (centres, counts, width);
    }
}
