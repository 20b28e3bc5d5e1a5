using BrainGen.Imaging;

namespace BrainGen.Physics.Segmentation;

/// <summary>
/// The Colin27 lateral-ventricle fraction map (1 mm, the <see cref="VentricleRegion"/> rule applied to
/// Colin27 itself) used to measure ventricles on other images: it is registered to a subject's CSF map
/// (<see cref="VentricleRegistration"/>) and the subject's CSF is summed where the registered map is
/// mostly ventricle. Only image data is used, so it works on any skull-stripped T1w.
/// </summary>
public sealed class VentricleAtlas
{
    /// <summary>How far (mm) beyond Colin27's ventricles the registration looks at the subject's CSF.</summary>
    public const double MarginMm = 6;

    private readonly Dictionary<double, float[]> _smoothed = new();

    public VentricleAtlas(float[] ventricleFraction, VoxelGrid grid, Affine voxelToWorld)
    {
        if (ventricleFraction.Length != grid.Count) throw new ArgumentException("ventricle map does not match its grid");
        Fraction = ventricleFraction;
        Grid = grid;
        VoxelToWorld = voxelToWorld;
        WorldToVoxel = voxelToWorld.Inverse();
        Neighbourhood = Dilate(ventricleFraction.Select(v => v > 0).ToArray(), grid, (int)Math.Round(MarginMm / grid.SpacingX));
    }

    public float[] Fraction { get; }
    public VoxelGrid Grid { get; }
    public Affine VoxelToWorld { get; }
    public Affine WorldToVoxel { get; }
    /// <summary>The ventricles dilated by <see cref="MarginMm"/>: where the registration compares maps.</summary>
    public bool[] Neighbourhood { get; }

    /// <summary>Whether a template world point (mm) lies in <see cref="Neighbourhood"/>.</summary>
    public bool Contains(double x, double y, double z)
    {
        var (vx, vy, vz) = WorldToVoxel.Transform(x, y, z);
        int ix = (int)Math.Round(vx), iy = (int)Math.Round(vy), iz = (int)Math.Round(vz);
        return Grid.Contains(ix, iy, iz) && Neighbourhood[Grid.Index(ix, iy, iz)];
    }

    /// <summary>
    /// The fraction map blurred to what a <paramref name="voxelMm"/> acquisition sees (FWHM² = r² − 1 mm²,
    /// as the phantom's coarse grids), so registering it to a coarse CSF map compares like with like.
    /// </summary>
    public float[] AtResolution(double voxelMm)
    {
        double key = Math.Round(voxelMm, 2);
        lock (_smoothed)
        {
            if (_smoothed.TryGetValue(key, out var map)) return map;
            map = key <= Grid.SpacingX ? Fraction
                : GaussianSmoothing.Smooth(Fraction, Grid, GaussianSmoothing.FwhmToSigma(Math.Sqrt(key * key - Grid.SpacingX * Grid.SpacingX)));
            _smoothed[key] = map;
            return map;
        }
    }

    /// <summary>City-block dilation by n voxels, one 6-neighbour step at a time.</summary>
    private static bool[] Dilate(bool[] mask, VoxelGrid g, int steps)
    {
        var current = (bool[])mask.Clone();
        for (int s = 0; s < steps; s++)
        {
            var next = (bool[])current.Clone();
            Parallel.For(0, g.Nz, z =>
            {
                for (int y = 0; y < g.Ny; y++)
                    for (int x = 0; x < g.Nx; x++)
                    {
                        int i = g.Index(x, y, z);
                        if (current[i]) continue;
                        next[i] = (x > 0 && current[i - 1]) || (x < g.Nx - 1 && current[i + 1])
                               || (y > 0 && current[i - g.Nx]) || (y < g.Ny - 1 && current[i + g.Nx])
                               || (z > 0 && current[i - g.Nx * g.Ny]) || (z < g.Nz - 1 && current[i + g.Nx * g.Ny]);
                    }
            });
            current = next;
        }
        return current;
    }
}
