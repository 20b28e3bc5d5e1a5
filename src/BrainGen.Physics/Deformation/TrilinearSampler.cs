using BrainGen.Imaging;

namespace BrainGen.Physics.Deformation;

/// <summary>
/// Trilinear interpolation of a 3D float array at continuous voxel coordinates, clamped to the edge:
/// Imaging's <see cref="TrilinearPoint"/> (the resampler's interpolation) on a <see cref="VoxelGrid"/>.
/// </summary>
internal static class TrilinearSampler
{
    public static TrilinearPoint At(in VoxelGrid g, double x, double y, double z) => TrilinearPoint.Clamped(g.Nx, g.Ny, g.Nz, x, y, z);

    public static float Sample(float[] data, in VoxelGrid g, double x, double y, double z) => At(g, x, y, z).Sample(data);
}
