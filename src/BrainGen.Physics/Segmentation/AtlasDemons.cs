using BrainGen.Physics.Deformation;

namespace BrainGen.Physics.Segmentation;

/// <summary>
/// Non-linear refinement of the affinely registered ventricle atlas: Thirion's demons (Med Image
/// Anal 1998;2:243) moving the atlas's CSF (ventricles + other CSF) onto the subject's p_CSF, with
/// Gaussian regularization of the displacement after each step. Why: an affine fit misplaces the
/// atlas's cut ends and the midline CSF spaces by a few mm on atrophied or enlarged brains, and
/// where the ventricle region stops there moves several mL; matching the CSF itself puts the
/// atlas's ventricle/other-CSF boundary where the subject's anatomy has it.
/// </summary>
internal static class AtlasDemons
{
    public const int Iterations = 60;
    /// <summary>Regularization of the displacement after each step (mm).</summary>
    public const double SmoothingMm = 3;
    /// <summary>Largest displacement step per iteration (voxels), for stability where gradients are tiny.</summary>
    private const float MaxStep = 0.5f;

    public static VentricleRegistration.Result Refine(VentricleRegistration.Result affine, float[] csf, bool[] mask, VoxelGrid grid)
    {
        var moving = new float[grid.Count];
        var target = new float[grid.Count];
        for (int i = 0; i < moving.Length; i++)
        {
            moving[i] = Math.Min(1f, affine.Fraction[i] + affine.OtherCsf[i]);
            target[i] = mask[i] ? csf[i] : 0f;
        }
        var u = new DisplacementField(grid);
        var identityCentre = (0.0, 0.0, 0.0);
        for (int iteration = 0; iteration < Iterations; iteration++)
        {
            var warped = new SpatialTransform(u, 1.0, identityCentre).Warp(grid, moving)[0];
            var gradient = DisplacementField.Gradient(warped, grid);
            Parallel.For(0, grid.Count, i =>
            {
                float difference = target[i] - warped[i];
                float gx = gradient.X[i], gy = gradient.Y[i], gz = gradient.Z[i];
                float denominator = gx * gx + gy * gy + gz * gz + difference * difference;
                if (denominator < 1e-6f) return;
                // Pull-back field: the moving image is sampled at x + u, so a brighter target moves u up the gradient.
                float scale = difference / denominator;
                u.X[i] += Math.Clamp(scale * gx, -MaxStep, MaxStep);
                u.Y[i] += Math.Clamp(scale * gy, -MaxStep, MaxStep);
                u.Z[i] += Math.Clamp(scale * gz, -MaxStep, MaxStep);
            });
            u = new DisplacementField(grid, GaussianSmoothing.Smooth(u.X, grid, SmoothingMm),
                                      GaussianSmoothing.Smooth(u.Y, grid, SmoothingMm), GaussianSmoothing.Smooth(u.Z, grid, SmoothingMm));
        }
        var maps = new SpatialTransform(u, 1.0, identityCentre).Warp(grid, affine.Fraction, affine.OtherCsf);
        return affine with { Fraction = maps[0], OtherCsf = maps[1] };
    }
}
