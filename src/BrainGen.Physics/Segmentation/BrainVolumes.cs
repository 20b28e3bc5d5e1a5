using BrainGen.Imaging;
using BrainGen.Physics.Tissue;

namespace BrainGen.Physics.Segmentation;

/// <summary>
/// The volumes Pinaya et al. 2022 condition on, measured on a segmented image: total brain volume
/// (GM + WM, partial-volume sums) and lateral ventricle volume (<see cref="VentricleRegion"/>), plus
/// the tissue volumes and the mask volume (intracranial volume of a skull-stripped image), all in mL.
/// </summary>
public sealed record BrainVolumes(double BrainMl, double GreyMatterMl, double WhiteMatterMl, double CsfMl, double VentricleMl, double MaskMl)
{
    /// <summary>Whether a ventricle region was found; without one <see cref="VentricleMl"/> is NaN (not measured), never 0.</summary>
    public bool HasVentricles => !double.IsNaN(VentricleMl);

    /// <summary>Brain volume divided by mask volume (brain parenchymal fraction).</summary>
    public double BrainFraction => MaskMl > 0 ? BrainMl / MaskMl : 0;

    /// <summary>
    /// Measures a segmentation whose grid has this voxel → world affine (RAS+ mm). With an atlas the
    /// ventricles are grown through the subject's CSF from the registered atlas
    /// (<see cref="VentricleRegistration"/>, <see cref="VentricleRegion.GrowFromAtlas"/>); without one the
    /// <see cref="VentricleRegion"/> growing rule is used with moment-placed seeds (how the atlas itself is
    /// made on Colin27). Ventricle volume = Σ over the region of the voxels' CSF fractions by linear
    /// unmixing (<see cref="CsfUnmixing"/>). It is NaN when no region is found: every seed voxel is below
    /// p_CSF 0.5 (slit-like ventricles at a coarse resolution), and 0 mL would be a wrong measurement.
    /// </summary>
    public static BrainVolumes Measure(TissueSegmentation segmentation, Affine affine, VentricleAtlas? atlas) =>
        Measure(segmentation, affine, atlas, out _);

    /// <param name="ventricles">The measured ventricles: each region voxel's CSF fraction, 0 elsewhere (sums to the volume).</param>
    public static BrainVolumes Measure(TissueSegmentation segmentation, Affine affine, VentricleAtlas? atlas, out float[] ventricles)
    {
        var grid = segmentation.Grid;
        var csf = segmentation[TissueClass.Csf];
        bool[] ventricleRegion;
        var subject = MomentAlignment.Moments(segmentation.Mask, grid, (x, y, z) => affine.Transform(x, y, z));
        var alignment = MomentAlignment.Between(VentricleRegion.Colin27Moments, subject);
        if (atlas is not null)
        {
            var registered = AtlasDemons.Refine(VentricleRegistration.Register(csf, segmentation.Mask, grid, affine, atlas, alignment),
                                                csf, segmentation.Mask, grid);
            ventricleRegion = VentricleRegion.GrowFromAtlas(csf, segmentation.Mask, grid, registered, atlas.VolumeMl);
        }
        else
        {
            var (seeds, barrier) = VentricleRegion.SeedsAndBarrier(grid, (x, y, z) =>
            {
                var (wx, wy, wz) = affine.Transform(x, y, z);
                return alignment.SubjectToTemplate(wx, wy, wz);
            });
            ventricleRegion = VentricleRegion.Grow(csf, segmentation.Mask, grid, seeds, barrier);
        }
        var unmixed = CsfUnmixing.Fractions(segmentation);
        ventricles = new float[grid.Count];
        double ventricleSum = ventricleRegion.Contains(true) ? 0 : double.NaN;
        for (int i = 0; i < ventricles.Length; i++)
            if (ventricleRegion[i]) { ventricles[i] = unmixed[i]; ventricleSum += unmixed[i]; }
        double gm = segmentation.VolumeMl(TissueClass.GreyMatter), wm = segmentation.VolumeMl(TissueClass.WhiteMatter);
        return new BrainVolumes(gm + wm, gm, wm, segmentation.VolumeMl(TissueClass.Csf),
                                ventricleSum * grid.VoxelVolumeMl,
                                segmentation.Mask.Count(m => m) * grid.VoxelVolumeMl);
    }
}
