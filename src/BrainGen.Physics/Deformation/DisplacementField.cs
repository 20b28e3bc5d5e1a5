namespace BrainGen.Physics.Deformation;

/// <summary>
/// A dense vector field on a grid, in voxel units: a stationary velocity v or a displacement u with
/// the backward (pull) convention: the warped image is I'(x) = I(x + u(x)).
/// </summary>
public sealed class DisplacementField
{
    public VoxelGrid Grid { get; }
    public float[] X { get; }
    public float[] Y { get; }
    public float[] Z { get; }

    public DisplacementField(VoxelGrid grid) : this(grid, new float[grid.Count], new float[grid.Count], new float[grid.Count]) { }

    public DisplacementField(VoxelGrid grid, float[] x, float[] y, float[] z)
    {
        if (x.Length != grid.Count || y.Length != grid.Count || z.Length != grid.Count)
            throw new ArgumentException("displacement field components must match the grid");
        Grid = grid; X = x; Y = y; Z = z;
    }

    /// <summary>Largest vector length, voxels.</summary>
    public double MaxNorm()
    {
        double max = 0;
        for (int i = 0; i < X.Length; i++) max = Math.Max(max, X[i] * X[i] + Y[i] * Y[i] + Z[i] * Z[i]);
        return Math.Sqrt(max);
    }

    /// <summary>Σ_i w_i · field_i (the combined velocity of several deformation components).</summary>
    public static DisplacementField LinearCombination(VoxelGrid grid, params (double Weight, DisplacementField? Field)[] terms)
    {
        var result = new DisplacementField(grid);
        foreach (var (w, f) in terms)
        {
            if (f is null || w == 0) continue;
            float wf = (float)w;
            for (int i = 0; i < grid.Count; i++)
            {
                result.X[i] += wf * f.X[i]; result.Y[i] += wf * f.Y[i]; result.Z[i] += wf * f.Z[i];
            }
        }
        return result;
    }

    /// <summary>Central-difference gradient of a scalar map (voxel units), e.g. of a smoothed label map.</summary>
    public static DisplacementField Gradient(float[] map, VoxelGrid g)
    {
        var f = new DisplacementField(g);
        Parallel.For(0, g.Nz, z =>
        {
            for (int y = 0; y < g.Ny; y++)
                for (int x = 0; x < g.Nx; x++)
                {
                    int i = g.Index(x, y, z);
                    f.X[i] = 0.5f * (map[g.Index(Math.Min(x + 1, g.Nx - 1), y, z)] - map[g.Index(Math.Max(x - 1, 0), y, z)]);
                    f.Y[i] = 0.5f * (map[g.Index(x, Math.Min(y + 1, g.Ny - 1), z)] - map[g.Index(x, Math.Max(y - 1, 0), z)]);
                    f.Z[i] = 0.5f * (map[g.Index(x, y, Math.Min(z + 1, g.Nz - 1))] - map[g.Index(x, y, Math.Max(z - 1, 0))]);
                }
        });
        return f;
    }
}
