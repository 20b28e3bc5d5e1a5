namespace BrainGen.Physics.Deformation;

/// <summary>
/// Exponential of a stationary velocity field by scaling and squaring (Arsigny et al. MICCAI 2006;
/// the `VecInt` layer of SynthSeg/VoxelMorph): u₀ = v / 2^K, then K times u ← u + u∘(id + u).
/// The result is a diffeomorphism when each step is small, so K is chosen so that |u₀| ≤ 0.25 voxel.
/// </summary>
public static class VelocityIntegration
{
    public static DisplacementField Exponentiate(DisplacementField velocity, int minSteps = 4)
    {
        var g = velocity.Grid;
        double max = velocity.MaxNorm();
        int steps = Math.Max(minSteps, (int)Math.Ceiling(Math.Log2(Math.Max(max / 0.25, 1))));
        float scale = (float)Math.Pow(2, -steps);
        var u = new DisplacementField(g, velocity.X.Select(v => v * scale).ToArray(),
                                      velocity.Y.Select(v => v * scale).ToArray(),
                                      velocity.Z.Select(v => v * scale).ToArray());
        for (int s = 0; s < steps; s++) u = ComposeWithItself(u);
        return u;
    }

    /// <summary>(id + u)∘(id + u) − id = u + u∘(id + u).</summary>
    private static DisplacementField ComposeWithItself(DisplacementField u)
    {
        var g = u.Grid;
        var r = new DisplacementField(g);
        Parallel.For(0, g.Nz, z =>
        {
            for (int y = 0; y < g.Ny; y++)
                for (int x = 0; x < g.Nx; x++)
                {
                    int i = g.Index(x, y, z);
                    var at = TrilinearSampler.At(g, x + u.X[i], y + u.Y[i], z + u.Z[i]);
                    r.X[i] = u.X[i] + at.Sample(u.X);
                    r.Y[i] = u.Y[i] + at.Sample(u.Y);
                    r.Z[i] = u.Z[i] + at.Sample(u.Z);
                }
        });
        return r;
    }

    /// <summary>
    /// det(I + ∇u) per voxel (central differences): the local volume ratio of the pull-back map
    /// x → x + u(x); it must stay positive for the map to be invertible.
    /// </summary>
    public static float[] JacobianDeterminant(DisplacementField u)
    {
        var g = u.Grid;
        var det = new float[g.Count];
        Parallel.For(0, g.Nz, z =>
        {
            for (int y = 0; y < g.Ny; y++)
                for (int x = 0; x < g.Nx; x++)
                {
                    int xm = Math.Max(x - 1, 0), xp = Math.Min(x + 1, g.Nx - 1);
                    int ym = Math.Max(y - 1, 0), yp = Math.Min(y + 1, g.Ny - 1);
                    int zm = Math.Max(z - 1, 0), zp = Math.Min(z + 1, g.Nz - 1);
                    double D(float[] c, int a, int b, double h) => h > 0 ? (c[a] - c[b]) / h : 0;
                    int ixp = g.Index(xp, y, z), ixm = g.Index(xm, y, z), iyp = g.Index(x, yp, z), iym = g.Index(x, ym, z);
                    int izp = g.Index(x, y, zp), izm = g.Index(x, y, zm);
                    double a11 = 1 + D(u.X, ixp, ixm, xp - xm), a12 = D(u.X, iyp, iym, yp - ym), a13 = D(u.X, izp, izm, zp - zm);
                    double a21 = D(u.Y, ixp, ixm, xp - xm), a22 = 1 + D(u.Y, iyp, iym, yp - ym), a23 = D(u.Y, izp, izm, zp - zm);
                    double a31 = D(u.Z, ixp, ixm, xp - xm), a32 = D(u.Z, iyp, iym, yp - ym), a33 = 1 + D(u.Z, izp, izm, zp - zm);
                    det[g.Index(x, y, z)] = (float)(a11 * (a22 * a33 - a23 * a32) - a12 * (a21 * a33 - a23 * a31) + a13 * (a21 * a32 - a22 * a31));
                }
        });
        return det;
    }
}
