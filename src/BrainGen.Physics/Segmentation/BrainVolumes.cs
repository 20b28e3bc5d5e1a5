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
    /// <summary>Brain volume divided by mask volume (brain parenchymal fraction).</summary>
    public double BrainFraction => MaskMl > 0 ? BrainMl / MaskMl : 0;

    /// <summary>
    /// Measures a segmentation whose grid has this voxel → world affine (RAS+ mm). With an atlas the
    /// ventricles are Σ p_CSF where the atlas, registered to the CSF map (<see cref="VentricleRegistration"/>),
    /// is at least <see cref="CoreFraction"/> ventricle; without one the <see cref="VentricleRegion"/>
    /// growing rule is used with moment-placed seeds (how the atlas itself is made on Colin27).
    /// </summary>
    public static BrainVolumes Measure(TissueSegmentation segmentation, Affine affine, VentricleAtlas? atlas) =>
        Measure(segmentation, affine, atlas, out _);

    /// <summary>
    /// Threshold on the registered atlas fraction. 0.5 is where the blurred template's ventricle wall
    /// is, so partial-volume CSF inside the wall counts and CSF just outside it (third ventricle,
    /// cisterns) does not; lower thresholds over-counted by +25…+50% on the phantom cohort.
    /// </summary>
    public const float CoreFraction = 0.5f;

    public static BrainVolumes Measure(TissueSegmentation segmentation, Affine affine, VentricleAtlas? atlas, out bool[] ventricleRegion)
    {
        var grid = segmentation.Grid;
        var csf = segmentation[TissueClass.Csf];
        var subject = MomentAlignment.Moments(segmentation.Mask, grid, (x, y, z) => affine.Transform(x, y, z));
        var alignment = MomentAlignment.Between(VentricleRegion.Colin27Moments, subject);
        if (atlas is not null)
        {
            var registered = VentricleRegistration.Register(csf, segmentation.Mask, grid, affine, atlas, alignment);
            ventricleRegion = new bool[grid.Count];
            for (int i = 0; i < registered.Length; i++) ventricleRegion[i] = segmentation.Mask[i] && registered[i] >= CoreFraction;
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
        double gm = segmentation.VolumeMl(TissueClass.GreyMatter), wm = segmentation.VolumeMl(TissueClass.WhiteMatter);
        return new BrainVolumes(gm + wm, gm, wm, segmentation.VolumeMl(TissueClass.Csf),
                                VentricleRegion.VolumeMl(csf, ventricleRegion, grid),
                                segmentation.Mask.Count(m => m) * grid.VoxelVolumeMl);
    }
}
