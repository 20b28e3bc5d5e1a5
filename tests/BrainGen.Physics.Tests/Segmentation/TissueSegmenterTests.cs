using BrainGen.Physics.Segmentation;
using BrainGen.Physics.Tissue;

namespace BrainGen.Physics.Tests.Segmentation;

public class TissueSegmenterTests
{
    private static readonly SyntheticBrain Brain = new();

    [Fact]
    public void KMeansFindsThreeSeparatedClusters()
    {
        var random = new DeterministicRandom(1);
        var values = Enumerable.Range(0, 3000).Select(i => (float)(new[] { 10, 50, 90 }[i % 3] + random.NextGaussian() * 3)).ToArray();
        var centres = KMeans1D.Fit(values, 3);
        Assert.Equal(10, centres[0], 0.5);
        Assert.Equal(50, centres[1], 0.5);
        Assert.Equal(90, centres[2], 0.5);
    }

    [Fact]
    public void MixelRefitFindsThePureTissueMeansThatAThreeClassFitMisses()
    {
        // Intensities as at 2 mm: a quarter pure, the rest CSF/GM and GM/WM mixels with uniform fractions.
        double[] means = [250, 800, 1000];
        var values = MixelIntensities(40000, 3, means, [40, 40, 40], (u, i) => u < 0.3 ? (0, 1) : u < 0.75 ? (1, 2) : (i % 3, i % 3));
        var mixture = GaussianMixture1D.FromCentres(KMeans1D.Fit(values, 3));
        var posteriors = new float[values.Length * 3];
        for (int iteration = 0; iteration < 30; iteration++)
        {
            for (int i = 0; i < values.Length; i++)
            {
                double total = 0;
                for (int c = 0; c < 3; c++) total += posteriors[i * 3 + c] = (float)(mixture.Weights[c] * Math.Exp(mixture.LogDensity(c, values[i])));
                for (int c = 0; c < 3; c++) posteriors[i * 3 + c] = (float)(posteriors[i * 3 + c] / total);
            }
            mixture.UpdateFrom(values, posteriors, 1);
        }
        Assert.True(Math.Abs(mixture.Means[0] - means[0]) > 50, $"a plain three-class fit should be pulled off the CSF mean (got {mixture.Means[0]:0})");

        var weights = MixelMixture.Refine(values, mixture, 1);
        // The CSF and GM means come back to the pure voxels' (plain fit: 320 and 709) and the CSF/GM
        // mixels get their share. WM is not checked: with pure WM at 8% of voxels and GM/WM mixels
        // at 45%, the 40 EM steps the segmenter uses leave it where the plain fit put it (~905).
        Assert.Equal(means[0], mixture.Means[0], 10.0);
        Assert.Equal(means[1], mixture.Means[1], 25.0);
        Assert.Equal(0.3, weights.CsfGm, 0.05);
    }

    [Fact]
    public void MixelRefitKeepsCsfNarrowWhenGreyAndWhiteMatterAreHardToTellApart()
    {
        // A T1w whose GM/WM contrast is little more than the noise (seed-77 phantom sub-001: GM 915,
        // WM 997, SD 65), started where the MRF stage leaves such an image: a CSF class as wide as the
        // partial-volume tail. Unbounded, the refit leaves CSF far above its mean and wide (here ~370 ± 75;
        // on that phantom ~500 ± 160, and unmixing then read its ventricles 40% too large).
        double[] means = [270, 915, 997];
        double[] sds = [25, 65, 65];
        // At 2 mm almost no voxel is pure CSF (the fitted pure-CSF weight on phantoms is ~0): CSF is in mixels.
        var values = MixelIntensities(60000, 5, means, sds, (u, _) => u < 0.10 ? (0, 1) : u < 0.40 ? (1, 2) : u < 0.70 ? (1, 1) : (2, 2));
        var mixture = new GaussianMixture1D([0.06, 0.28, 0.66], [569, 862, 970], [148 * 148, 41 * 41, 48 * 48]);

        MixelMixture.Refine(values, mixture, 1);

        Assert.Equal(means[0], mixture.Means[0], 30.0);
        Assert.True(Math.Sqrt(mixture.Variances[0]) <= 2 * sds[0], $"CSF SD {Math.Sqrt(mixture.Variances[0]):0} should stay near the noise ({sds[0]})");
    }

    /// <summary>
    /// Voxel intensities under the mixel model: tissuesOf(u, i) picks voxel i's tissue pair from a uniform
    /// draw u (a == b: pure); a mixel's fraction is uniform, its mean and variance fraction-weighted.
    /// </summary>
    private static float[] MixelIntensities(int count, ulong seed, double[] means, double[] sds, Func<double, int, (int A, int B)> tissuesOf)
    {
        var random = new DeterministicRandom(seed);
        var values = new float[count];
        for (int i = 0; i < values.Length; i++)
        {
            var (a, b) = tissuesOf(random.NextDouble(), i);
            double f = a == b ? 0 : random.NextDouble();
            double sd = Math.Sqrt((1 - f) * sds[a] * sds[a] + f * sds[b] * sds[b]);
            values[i] = (float)((1 - f) * means[a] + f * means[b] + sd * random.NextGaussian());
        }
        return values;
    }

    [Theory]
    [InlineData(TissueContrast.T1w, 30, 70, 100, true, 0.05)]
    [InlineData(TissueContrast.T1w, 30, 70, 100, false, 0.05)]
    // T2w has the same three well-separated levels in reverse; looser because the WM core is small.
    // (FLAIR is not validated: a CSF/GM mixel has WM's intensity, so volumes there are ambiguous.)
    [InlineData(TissueContrast.T2w, 100, 55, 35, true, 0.1)]
    public void RecoversTissueVolumesOfAShellPhantom(TissueContrast contrast, double csf, double gm, double wm, bool bias, double tolerance)
    {
        // The mask is the pure-interior of the head (all three tissues sum to 1), as after skull stripping.
        var image = Brain.Image(csf, gm, wm, noiseSd: 3, biasAmplitude: bias ? 0.1 : 0, seed: 7);
        var result = TissueSegmenter.Segment(image, Brain.Grid, options: new SegmentationOptions(Contrast: contrast, BiasCorrection: bias));
        var mask = TissueSegmenter.DefaultMask(image);
        foreach (var tissue in TissueClasses.Brain)
        {
            double truth = Brain.Fractions[tissue].Where((_, i) => mask[i]).Sum(v => (double)v) * Brain.Grid.VoxelVolumeMl;
            double measured = result.VolumeMl(tissue);
            Assert.True(Math.Abs(measured - truth) < tolerance * truth, $"{contrast} {tissue}: measured {measured:0.0} mL vs truth {truth:0.0} mL");
        }
        double brainTruth = new[] { TissueClass.GreyMatter, TissueClass.WhiteMatter }
            .Sum(t => Brain.Fractions[t].Where((_, i) => mask[i]).Sum(v => (double)v)) * Brain.Grid.VoxelVolumeMl;
        double brainMeasured = result.VolumeMl(TissueClass.GreyMatter) + result.VolumeMl(TissueClass.WhiteMatter);
        Assert.True(Math.Abs(brainMeasured - brainTruth) < (contrast == TissueContrast.T1w ? 0.03 : tolerance) * brainTruth,
                    $"{contrast} brain: measured {brainMeasured:0.0} mL vs truth {brainTruth:0.0} mL");
    }

    [Fact]
    public void PartialVolumeCountsTheMasksOutsideAsCsf()
    {
        // Two voxels 30% CSF, 70% GM in a block the MRF calls GM throughout: one at the mask's edge (a
        // skull strip runs through the CSF round the brain), one inside. The edge voxel's CSF/GM mixel
        // has the larger prior (both still read below 30%: pure GM is 1.5 SD away).
        var grid = new VoxelGrid(7, 5, 5, 2, 2, 2);
        var mask = new bool[grid.Count];
        for (int i = 0; i < mask.Length; i++) mask[i] = grid.Coordinates(i).X > 0;
        var neighbourhood = new MaskedNeighbourhood(grid, mask);
        var mixture = new GaussianMixture1D([0.1, 0.5, 0.4], [250, 750, 1000], [30 * 30, 58 * 58, 40 * 40]);
        var weights = new MixelMixture.ClassWeights([0.1, 0.4, 0.3], 0.1, 0.1);
        int edge = grid.Index(1, 2, 2), inside = grid.Index(4, 2, 2);
        var image = new float[grid.Count];
        for (int i = 0; i < image.Length; i++) image[i] = i == edge || i == inside ? 0.3f * 250 + 0.7f * 750 : 750;
        var posteriors = new float[neighbourhood.Count * 3];
        for (int c = 0; c < neighbourhood.Count; c++) posteriors[c * 3 + 1] = 1;
        var fractions = PartialVolume.Estimate(neighbourhood.Gather(image), mixture, weights, posteriors, neighbourhood, 1.0);
        double Csf(int voxel) => fractions[Array.IndexOf(neighbourhood.Indices, voxel) * 3];
        Assert.True(Csf(edge) > 1.5 * Csf(inside), $"CSF fraction at the edge {Csf(edge):0.00}, inside {Csf(inside):0.00}");
    }

    [Fact]
    public void BiasCorrectionFlattensALinearField()
    {
        var image = Brain.Image(30, 70, 100, noiseSd: 2, biasAmplitude: 0.15, seed: 3);
        var result = TissueSegmenter.Segment(image, Brain.Grid);
        // The estimated field must rise along x like the applied one (1 + 0.15·(2x/39 − 1)), up to scale.
        var g = Brain.Grid;
        double left = result.BiasField[g.Index(8, 20, 20)], right = result.BiasField[g.Index(31, 20, 20)];
        double expected = (1 + 0.15 * (2 * 31 / 39.0 - 1)) / (1 + 0.15 * (2 * 8 / 39.0 - 1));
        Assert.True(Math.Abs(right / left - expected) < 0.03, $"bias field left {left:0.000} right {right:0.000}, ratio should be {expected:0.000}");
    }

    [Fact]
    public void BiasCorrectionIgnoresABrightSkullStripEdge()
    {
        // No bias, but on the right half the skull strip kept a rim of partial voxels. With a share of
        // bright scalp (1.5× WM) in them they are no tissue class; fitted, they tilt the field. The
        // field must tilt no more than with the same rim at CSF's level (the mask's asymmetry alone).
        double darkRim = RightToLeftBias(rimLevel: 30), brightRim = RightToLeftBias(rimLevel: 150);
        Assert.True(Math.Abs(brightRim / darkRim - 1) < 0.005, $"right/left bias {brightRim:0.0000} with a bright rim, {darkRim:0.0000} with a dark one");
    }

    private static double RightToLeftBias(double rimLevel)
    {
        var image = Brain.Image(30, 70, 100, noiseSd: 2, biasAmplitude: 0, seed: 5);
        var g = Brain.Grid;
        for (int i = 0; i < image.Length; i++)
        {
            double head = TissueClasses.Brain.Sum(t => (double)Brain.Fractions[t][i]);
            if (image[i] == 0 && head > 0.3 && g.Coordinates(i).X > g.Nx / 2)
                image[i] = (float)(30 * head + rimLevel * (1 - head));
        }
        var field = TissueSegmenter.Segment(image, g).BiasField;
        return field[g.Index(31, 20, 20)] / field[g.Index(8, 20, 20)];
    }

    [Fact]
    public void SoftMapsSumToOneInsideTheMask()
    {
        var image = Brain.Image(30, 70, 100, 3, 0, 11);
        var result = TissueSegmenter.Segment(image, Brain.Grid);
        for (int i = 0; i < image.Length; i++)
        {
            double sum = TissueClasses.Brain.Sum(t => (double)result[t][i]);
            AssertClose.Equal(result.Mask[i] ? 1.0 : 0.0, sum, abs: 1e-4);
        }
    }

    [Fact]
    public void EmptyImageIsRejected() =>
        Assert.Throws<InvalidDataException>(() => TissueSegmenter.Segment(new float[Brain.Grid.Count], Brain.Grid));
}
