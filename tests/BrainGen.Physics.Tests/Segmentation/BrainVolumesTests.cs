using BrainGen.Imaging;
using BrainGen.Physics.Segmentation;

namespace BrainGen.Physics.Tests.Segmentation;

public class BrainVolumesTests
{
    /// <summary>
    /// A brain whose ventricles are too thin to reach p_CSF 0.5 has no ventricle region; its volume is
    /// reported as not measured (NaN), never as 0 mL, while the same brain with a 6 mm ventricle gets a
    /// positive, finite volume.
    /// </summary>
    [Theory]
    [InlineData(0.0, false)]
    [InlineData(6.0, true)]
    public void NoVentricleRegionIsNotMeasuredRatherThanZero(double ventricleRadius, bool expected)
    {
        var brain = new SyntheticBrain(ventricleRadius: ventricleRadius);
        var image = brain.Image(250, 750, 1000, noiseSd: 5, biasAmplitude: 0, seed: 2);
        var segmentation = TissueSegmenter.Segment(image, brain.Grid);
        var g = brain.Grid;
        var affine = Affine.FromSpacing(g.SpacingX, g.SpacingY, g.SpacingZ, -g.Nx * g.SpacingX / 2, -g.Ny * g.SpacingY / 2, -g.Nz * g.SpacingZ / 2);

        var volumes = BrainVolumes.Measure(segmentation, affine, atlas: null, out var ventricles);

        Assert.Equal(expected, volumes.HasVentricles);
        if (expected) Assert.True(volumes.VentricleMl > 0, $"ventricles {volumes.VentricleMl} mL");
        else Assert.True(double.IsNaN(volumes.VentricleMl) && ventricles.All(v => v == 0));
        Assert.True(volumes.BrainMl > 0);
    }
}
