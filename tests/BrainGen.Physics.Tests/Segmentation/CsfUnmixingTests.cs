using BrainGen.Physics.Segmentation;
using BrainGen.Physics.Tissue;

namespace BrainGen.Physics.Tests.Segmentation;

public class CsfUnmixingTests
{
    /// <summary>
    /// A 6 mm ventricle inside white matter at 2 mm voxels (most of its CSF sits in partial-volume
    /// voxels), T1w levels with 2% noise and a 10% bias: summed over the ventricle and two voxels around
    /// it, the unmixed fractions recover its volume (within 6%: the clamp at 0 adds about 0.4σ/contrast
    /// in each voxel of pure white matter) closer than the mixture posterior, which pulls low fractions to 0.
    /// The field is left in: μ_p is a local mean, so a smooth field cancels in each voxel's fraction. Why
    /// not corrected: on this small brain the bias field's dome (docs/physics.md §3, session 11) darkens
    /// the centre and adds 8 points to the unmixed volume (+6.5%) and 9 to the posterior's (−5.9%).
    /// </summary>
    [Fact]
    public void UnmixedFractionsRecoverASmallVentricleThePosteriorUndercounts()
    {
        var brain = new SyntheticBrain(ventricleRadius: 6);
        var image = brain.Image(250, 750, 1000, noiseSd: 20, biasAmplitude: 0.1, seed: 5);
        var segmentation = TissueSegmenter.Segment(image, brain.Grid, options: new SegmentationOptions(BiasCorrection: false));
        var unmixed = CsfUnmixing.Fractions(segmentation);
        var around = VoxelMorphology.Dilate(brain.Ventricle.Select(v => v > 0).ToArray(), brain.Grid, 2);

        double Sum(float[] map) => map.Where((_, i) => around[i]).Sum(v => (double)v) * brain.Grid.VoxelVolumeMl;
        double truth = brain.VolumeMl(brain.Ventricle), byUnmixing = Sum(unmixed), byPosterior = Sum(segmentation[TissueClass.Csf]);
        Assert.True(Math.Abs(byUnmixing - truth) < 0.06 * truth, $"unmixed {byUnmixing:0.000} mL vs truth {truth:0.000} mL");
        Assert.True(byPosterior < truth && Math.Abs(byPosterior - truth) > Math.Abs(byUnmixing - truth),
                    $"posterior {byPosterior:0.000} mL, unmixed {byUnmixing:0.000} mL, truth {truth:0.000} mL");
    }

    [Fact]
    public void PureTissueGivesNoCsfAndPureCsfGivesAll()
    {
        var brain = new SyntheticBrain();
        var image = brain.Image(250, 750, 1000, noiseSd: 0, biasAmplitude: 0, seed: 1);
        var segmentation = TissueSegmenter.Segment(image, brain.Grid);
        var unmixed = CsfUnmixing.Fractions(segmentation);
        var g = brain.Grid;
        AssertClose.Equal(0, unmixed[g.Index(20, 20, 20 + 5)], abs: 0.01);   // white matter beside the ventricle
        AssertClose.Equal(1, unmixed[g.Index(21, 20, 20)], abs: 0.01);       // the ventricle's centre (x offset 3 mm)
    }
}
