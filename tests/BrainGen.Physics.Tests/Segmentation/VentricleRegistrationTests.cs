using BrainGen.Imaging;
using BrainGen.Physics.Segmentation;

namespace BrainGen.Physics.Tests.Segmentation;

public class VentricleRegistrationTests
{
    /// <summary>Two ellipsoidal "lateral ventricles" (semi-axes 4 × 12 × 6 mm, centres at x = ±7 mm, y = dy).</summary>
    private static float[] Ventricles(VoxelGrid grid, Affine voxelToWorld, double dy, float fraction)
    {
        var map = new float[grid.Count];
        for (int i = 0; i < map.Length; i++)
        {
            var (x, y, z) = grid.Coordinates(i);
            var (wx, wy, wz) = voxelToWorld.Transform(x, y, z);
            foreach (double cx in new[] { -7.0, 7.0 })
            {
                double r = Math.Pow((wx - cx) / 4, 2) + Math.Pow((wy - dy) / 12, 2) + Math.Pow(wz / 6, 2);
                if (r <= 1) map[i] = fraction;
            }
        }
        return map;
    }

    /// <summary>
    /// Slit-like ventricles whose CSF fraction never reaches 0.5 (here 0.35 everywhere, 3 mm behind the
    /// atlas's): the registered atlas must land on them at their size. The former cost, Σ (atlas − p_CSF)²,
    /// was smallest for an atlas shrunk to nothing there, which left no ventricle region (seed-77 sub-024).
    /// </summary>
    [Fact]
    public void SlitVentriclesBelowHalfCsfStillPullTheAtlasOntoThem()
    {
        var atlasGrid = new VoxelGrid(48, 56, 40, 1, 1, 1);
        var atlasAffine = Affine.FromSpacing(1, 1, 1, -24, -28, -20);
        var atlasVentricles = Ventricles(atlasGrid, atlasAffine, dy: 0, fraction: 1);
        var atlas = new VentricleAtlas(atlasVentricles, atlasVentricles, atlasGrid, atlasAffine);

        var grid = new VoxelGrid(24, 28, 20, 2, 2, 2);
        var affine = Affine.FromSpacing(2, 2, 2, -24, -28, -20);
        var csf = Ventricles(grid, affine, dy: 3, fraction: 0.35f);
        var mask = Enumerable.Repeat(true, grid.Count).ToArray();
        var start = new MomentAlignment((0, 0, 0), (0, 0, 0), (1, 1, 1));

        var registered = VentricleRegistration.Register(csf, mask, grid, affine, atlas, start);

        var core = Enumerable.Range(0, grid.Count).Where(i => registered.Fraction[i] >= 0.5f).ToArray();
        double truthMl = csf.Count(v => v > 0) * grid.VoxelVolumeMl;
        double coreMl = core.Length * grid.VoxelVolumeMl;
        Assert.InRange(coreMl, 0.7 * truthMl, 1.3 * truthMl);
        double meanY = core.Average(i => { var (x, y, z) = grid.Coordinates(i); return affine.Transform(x, y, z).Y; });
        Assert.InRange(meanY, 2, 4);
    }
}
