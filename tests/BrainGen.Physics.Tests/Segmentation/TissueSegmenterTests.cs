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
    public void SoftMapsSumToOneInsideTheMask()
    {
        var image = Brain.Image(30, 70, 100, 3, 0, 11);
        var result = TissueSegmenter.Segment(image, Brain.Grid);
        for (int i = 0; i < image.Length; i++)
        {
            double sum = TissueClasses.Brain.Sum(t => (double)result[t][i]);
            Assert.Equal(result.Mask[i] ? 1.0 : 0.0, sum, 4);
        }
    }

    [Fact]
    public void EmptyImageIsRejected() =>
        Assert.Throws<InvalidDataException>(() => TissueSegmenter.Segment(new float[Brain.Grid.Count], Brain.Grid));
}
