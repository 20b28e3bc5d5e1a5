namespace BrainGen.Physics.Deformation;

/// <summary>
/// The velocity fields whose gains the phantom tunes (reference notes section 4.3), all as pull-back
/// velocities in voxel units, each normalized to a peak of 1 voxel so a gain reads as "peak voxels":
/// <list type="bullet">
/// <item>ventricle enlargement: v = ∇(G_σ * V). Pulling from towards the ventricle makes it grow and
///   pushes periventricular tissue outward; the field dies off within a few σ, far from the skull.</item>
/// <item>brain atrophy: v = −∇(G_σ * B) · w_ICV · w_cortex. At the cortex it pulls CSF inward (sulci
///   widen, the brain shrinks); w_ICV tapers it to zero at the intracranial boundary, so ICV stays fixed;
///   w_cortex fades it out with depth (<see cref="CorticalDepthMm"/>), so deep CSF, the third ventricle
///   and the spaces around the lateral ventricles, changes only through the ventricle field. Without
///   it, old subjects whose ventricle target is small got the atrophy's pull at every deep CSF wall and
///   the ventricle field's push back at the lateral ventricles only: their third ventricle and midline
///   CSF swelled into round spaces 15-20 mm across, which no brain has.</item>
/// <item>anatomical variability: smoothed white noise per component, RMS-normalized to 1 voxel.</item>
/// </list>
/// </summary>
public static class AtrophyFields
{
    public static DisplacementField VentricleEnlargement(float[] ventricles, VoxelGrid grid, double sigmaMm = 4)
    {
        var smooth = GaussianSmoothing.Smooth(ventricles, grid, sigmaMm);
        return NormalizePeak(DisplacementField.Gradient(smooth, grid));
    }

    /// <summary>Atrophy acts fully within this depth (mm) of the intracranial surface and fades to none at twice it.</summary>
    public const double CorticalDepthMm = 15;

    public static DisplacementField BrainAtrophy(float[] brain, float[] intracranial, VoxelGrid grid, double sigmaMm = 3)
    {
        var smooth = GaussianSmoothing.Smooth(brain, grid, sigmaMm);
        var field = DisplacementField.Gradient(smooth, grid);
        var taper = IntracranialTaper(intracranial, grid, sigmaMm);
        var cortex = CorticalWeight(intracranial, grid, sigmaMm);
        for (int i = 0; i < grid.Count; i++)
        {
            float w = -taper[i] * cortex[i];
            field.X[i] *= w; field.Y[i] *= w; field.Z[i] *= w;
        }
        return NormalizePeak(field);
    }

    /// <summary>0 outside and at the intracranial boundary, rising to 1 about 2σ inside.</summary>
    public static float[] IntracranialTaper(float[] intracranial, VoxelGrid grid, double sigmaMm)
    {
        var smooth = GaussianSmoothing.Smooth(intracranial, grid, sigmaMm);
        var taper = new float[grid.Count];
        for (int i = 0; i < taper.Length; i++) taper[i] = Math.Clamp(2f * (smooth[i] - 0.5f), 0f, 1f) * (intracranial[i] > 0.5f ? 1f : 0f);
        return taper;
    }

    /// <summary>1 within <see cref="CorticalDepthMm"/> of the intracranial surface, 0 beyond twice it, linear between, smoothed by σ.</summary>
    private static float[] CorticalWeight(float[] intracranial, VoxelGrid grid, double sigmaMm)
    {
        var depth = VoxelMorphology.DepthInsideMask(intracranial.Select(v => v > 0.5f).ToArray(), grid);
        var weight = new float[grid.Count];
        for (int i = 0; i < weight.Length; i++) weight[i] = (float)Math.Clamp(2 - depth[i] / CorticalDepthMm, 0, 1);
        return GaussianSmoothing.Smooth(weight, grid, sigmaMm);
    }

    /// <summary>Smooth random velocity: white noise per component, Gaussian σ in mm, RMS 1 voxel.</summary>
    public static DisplacementField RandomSmooth(VoxelGrid grid, DeterministicRandom random, double sigmaMm)
    {
        var components = new float[3][];
        for (int c = 0; c < 3; c++)
        {
            var noise = new float[grid.Count];
            for (int i = 0; i < noise.Length; i++) noise[i] = (float)random.NextGaussian();
            components[c] = GaussianSmoothing.Smooth(noise, grid, sigmaMm);
        }
        var field = new DisplacementField(grid, components[0], components[1], components[2]);
        double sumSquares = 0;
        for (int i = 0; i < grid.Count; i++) sumSquares += field.X[i] * field.X[i] + field.Y[i] * field.Y[i] + field.Z[i] * field.Z[i];
        float scale = (float)(1 / Math.Sqrt(sumSquares / grid.Count + 1e-30));
        return Scale(field, scale);
    }

    private static DisplacementField NormalizePeak(DisplacementField field)
    {
        double peak = field.MaxNorm();
        return peak > 0 ? Scale(field, (float)(1 / peak)) : field;
    }

    private static DisplacementField Scale(DisplacementField f, float s)
    {
        for (int i = 0; i < f.Grid.Count; i++) { f.X[i] *= s; f.Y[i] *= s; f.Z[i] *= s; }
        return f;
    }
}
