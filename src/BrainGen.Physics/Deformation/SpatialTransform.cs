namespace BrainGen.Physics.Deformation;

/// <summary>
/// The map from a subject voxel to the template voxel it is pulled from: first an isotropic scaling
/// about a centre (head size, Matsumae 1996 ICV by sex), then a dense displacement (atrophy, ventricle
/// enlargement, anatomical variability): template(x) = y + u(y), y = c + (x − c)/s.
/// Composing both before sampling keeps each map interpolated once.
/// </summary>
public sealed class SpatialTransform
{
    public DisplacementField? Displacement { get; }
    public double Scale { get; }
    public (double X, double Y, double Z) Centre { get; }

    public SpatialTransform(DisplacementField? displacement, double scale, (double X, double Y, double Z) centre)
    {
        if (!(scale > 0)) throw new ArgumentException($"scale must be > 0, got {scale}");
        Displacement = displacement; Scale = scale; Centre = centre;
    }

    public (double X, double Y, double Z) TemplatePosition(int x, int y, int z)
    {
        double px = Centre.X + (x - Centre.X) / Scale, py = Centre.Y + (y - Centre.Y) / Scale, pz = Centre.Z + (z - Centre.Z) / Scale;
        if (Displacement is { } u)
        {
            var g = u.Grid;
            bool onGrid = Scale == 1.0;
            if (onGrid)
            {
                int i = g.Index(x, y, z);
                return (px + u.X[i], py + u.Y[i], pz + u.Z[i]);
            }
            var at = TrilinearSampler.At(g, px, py, pz);
            return (px + at.Sample(u.X), py + at.Sample(u.Y), pz + at.Sample(u.Z));
        }
        return (px, py, pz);
    }

    /// <summary>Pulls each map through the transform onto the same grid (trilinear; Parallel over slices).</summary>
    public float[][] Warp(VoxelGrid grid, params float[][] maps)
    {
        var outputs = maps.Select(_ => new float[grid.Count]).ToArray();
        Parallel.For(0, grid.Nz, z =>
        {
            for (int y = 0; y < grid.Ny; y++)
                for (int x = 0; x < grid.Nx; x++)
                {
                    var (tx, ty, tz) = TemplatePosition(x, y, z);
                    var at = TrilinearSampler.At(grid, tx, ty, tz);
                    int i = grid.Index(x, y, z);
                    for (int m = 0; m < maps.Length; m++) outputs[m][i] = at.Sample(maps[m]);
                }
        });
        return outputs;
    }
}
