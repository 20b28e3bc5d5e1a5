namespace BrainGen.Physics.Segmentation;

/// <summary>
/// Where lateral ventricles may be, in template (Colin27/MNI) world space: the Colin27 ventricle
/// region dilated by <see cref="MarginMm"/>, so enlarged ventricles still fit while sulcal CSF that
/// happens to touch them does not leak in. Carried to a subject with <see cref="MomentAlignment"/>.
/// </summary>
public sealed class VentricleAtlas
{
    public const double MarginMm = 6;

    private readonly bool[] _region;
    private readonly VoxelGrid _grid;
    private readonly Func<double, double, double, (double X, double Y, double Z)> _worldToVoxel;

    public VentricleAtlas(bool[] ventricleRegion, VoxelGrid grid, Func<double, double, double, (double X, double Y, double Z)> worldToVoxel)
    {
        _grid = grid;
        _worldToVoxel = worldToVoxel;
        _region = Dilate(ventricleRegion, grid, (int)Math.Round(MarginMm / grid.SpacingX));
    }

    public bool Contains(double x, double y, double z)
    {
        var (vx, vy, vz) = _worldToVoxel(x, y, z);
        int ix = (int)Math.Round(vx), iy = (int)Math.Round(vy), iz = (int)Math.Round(vz);
        return _grid.Contains(ix, iy, iz) && _region[_grid.Index(ix, iy, iz)];
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
