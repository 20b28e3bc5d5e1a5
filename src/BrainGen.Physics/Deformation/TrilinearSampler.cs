namespace BrainGen.Physics.Deformation;

/// <summary>Trilinear interpolation of a 3D float array at continuous voxel coordinates, clamped to the edge.</summary>
internal static class TrilinearSampler
{
    public static float Sample(float[] data, in VoxelGrid g, double x, double y, double z)
    {
        x = Math.Clamp(x, 0, g.Nx - 1); y = Math.Clamp(y, 0, g.Ny - 1); z = Math.Clamp(z, 0, g.Nz - 1);
        int x0 = Math.Min((int)x, g.Nx - 2 < 0 ? 0 : g.Nx - 2);
        int y0 = Math.Min((int)y, g.Ny - 2 < 0 ? 0 : g.Ny - 2);
        int z0 = Math.Min((int)z, g.Nz - 2 < 0 ? 0 : g.Nz - 2);
        double fx = x - x0, fy = y - y0, fz = z - z0;
        int dx = g.Nx > 1 ? 1 : 0, dy = g.Ny > 1 ? g.Nx : 0, dz = g.Nz > 1 ? g.Nx * g.Ny : 0;
        int i = x0 + g.Nx * (y0 + g.Ny * z0);
        double c00 = data[i] * (1 - fx) + data[i + dx] * fx;
        double c10 = data[i + dy] * (1 - fx) + data[i + dy + dx] * fx;
        double c01 = data[i + dz] * (1 - fx) + data[i + dz + dx] * fx;
        double c11 = data[i + dz + dy] * (1 - fx) + data[i + dz + dy + dx] * fx;
        double c0 = c00 * (1 - fy) + c10 * fy;
        double c1 = c01 * (1 - fy) + c11 * fy;
        return (float)(c0 * (1 - fz) + c1 * fz);
    }
}
