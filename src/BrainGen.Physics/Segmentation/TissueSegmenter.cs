using BrainGen.Physics.Tissue;

namespace BrainGen.Physics.Segmentation;

/// <summary>
/// FAST-like three-tissue segmentation of a skull-stripped image (Zhang, Brady and Smith, IEEE TMI
/// 2001;20:45; reference notes section 5.2/5.4): k-means start → Gaussian-mixture EM → mean-field
/// EM with a Potts MRF prior, interleaved with bias-field estimation → partial-volume fractions.
/// Works on any weighting once told the tissues' intensity order.
/// </summary>
public static class TissueSegmenter
{
    /// <summary>Segments the voxels where mask is true (default: voxels with intensity > 0).</summary>
    public static TissueSegmentation Segment(ReadOnlySpan<float> image, VoxelGrid grid, bool[]? mask = null,
                                             SegmentationOptions? options = null)
    {
        options ??= new SegmentationOptions();
        options.Validate();
        grid.CheckLength(image, "image");
        mask ??= DefaultMask(image);
        if (mask.Length != grid.Count) throw new ArgumentException($"mask: has {mask.Length} voxels, the image has {grid.Count}");
        var neighbourhood = new MaskedNeighbourhood(grid, mask);
        if (neighbourhood.Count < 100)
            throw new InvalidDataException($"image: only {neighbourhood.Count} voxels inside the brain mask; is it skull-stripped and non-empty?");

        var raw = neighbourhood.Gather(image);
        var corrected = (float[])raw.Clone();
        var bias = Enumerable.Repeat(1f, raw.Length).ToArray();
        var mixture = GaussianMixture1D.FromCentres(KMeans1D.Fit(raw, 3));
        double range = mixture.Means[^1] - mixture.Means[0];
        double varianceFloor = Math.Pow(1e-3 * Math.Max(range, 1e-6), 2);

        int k = mixture.Classes;
        var posteriors = new float[raw.Length * k];
        var scratch = new float[raw.Length * k];
        void Sweep(double beta)
        {
            MrfPrior.Update(corrected, mixture, neighbourhood, beta, posteriors, scratch);
            (posteriors, scratch) = (scratch, posteriors);
            mixture.UpdateFrom(corrected, posteriors, varianceFloor);
        }

        // Plain mixture first (no spatial prior) so the MRF starts from sensible posteriors.
        for (int it = 0; it < 6; it++) Sweep(0);
        var biasFitVoxels = options.BiasCorrection ? BiasField.FitVoxels(mask, neighbourhood) : [];
        for (int outer = 0; outer < (options.BiasCorrection ? options.BiasIterations : 0); outer++)
        {
            bias = BiasField.Estimate(raw, posteriors, mixture, neighbourhood, biasFitVoxels, options.BiasOrder);
            for (int i = 0; i < raw.Length; i++) corrected[i] = raw[i] / bias[i];
            for (int it = 0; it < options.EmIterationsPerBias; it++) Sweep(options.MrfBeta);
        }
        for (int it = 0; it < options.FinalIterations; it++) Sweep(options.MrfBeta);

        // Sorted-intensity classes → tissue order (CSF, GM, WM).
        var order = options.IntensityOrder;
        var tissueMixture = new GaussianMixture1D(new double[3], new double[3], new double[3]);
        var tissuePosteriors = new float[raw.Length * 3];
        for (int s = 0; s < 3; s++)
        {
            int t = (int)order[s];
            tissueMixture.Weights[t] = mixture.Weights[s];
            tissueMixture.Means[t] = mixture.Means[s];
            tissueMixture.Variances[t] = mixture.Variances[s];
            for (int i = 0; i < raw.Length; i++) tissuePosteriors[i * 3 + t] = posteriors[i * k + s];
        }
        var soft = tissuePosteriors;
        if (options.PartialVolume)
        {
            var weights = MixelMixture.Refine(corrected, tissueMixture, varianceFloor);
            soft = PartialVolume.Estimate(corrected, tissueMixture, weights, tissuePosteriors, neighbourhood, options.MixelPrior);
        }

        var fullBias = neighbourhood.Scatter(bias);
        for (int i = 0; i < fullBias.Length; i++) if (!mask[i]) fullBias[i] = 1f;
        return new TissueSegmentation
        {
            Grid = grid,
            Mask = mask,
            Probabilities = TissueClasses.Brain.ToDictionary(t => t, t => neighbourhood.Scatter(soft, 3, (int)t)),
            CorrectedImage = neighbourhood.Scatter(corrected),
            BiasField = fullBias,
            Means = TissueClasses.Brain.ToDictionary(t => t, t => tissueMixture.Means[(int)t]),
            StandardDeviations = TissueClasses.Brain.ToDictionary(t => t, t => Math.Sqrt(tissueMixture.Variances[(int)t])),
        };
    }

    /// <summary>Skull-stripped images are zero outside the brain: the mask is every voxel above zero.</summary>
    public static bool[] DefaultMask(ReadOnlySpan<float> image)
    {
        var mask = new bool[image.Length];
        for (int i = 0; i < image.Length; i++) mask[i] = image[i] > 0 && float.IsFinite(image[i]);
        return mask;
    }
}
