namespace BrainGen.Physics;

/// <summary>
/// The shape and voxel size of a 3D array in NIfTI order (index = x + nx·(y + ny·z)), which is how
/// BrainGen.Imaging's Volume stores its data. Physics algorithms work on float arrays plus this.
/// </summary>
public readonly record struct VoxelGrid(int Nx, int Ny, int Nz, double SpacingX = 1, double SpacingY = 1, double SpacingZ = 1)
{
    public int Count => Nx * Ny * Nz;

    /// <summary>Voxel volume in mL (spacing is in mm; 1 mL = 1000 mm³).</summary>
    public double VoxelVolumeMl => SpacingX * SpacingY * SpacingZ / 1000.0;

    public int Index(int x, int y, int z) => x + Nx * (y + Ny * z);

    public (int X, int Y, int Z) Coordinates(int index)
    {
        int x = index % Nx, rest = index / Nx;
        return (x, rest % Ny, rest / Ny);
    }

    public bool Contains(int x, int y, int z) => (uint)x < (uint)Nx && (uint)y < (uint)Ny && (uint)z < (uint)Nz;

    public void CheckLength(ReadOnlySpan<float> data, string what)
    {
        if (data.Length != Count)
            throw new ArgumentException($"{what}: has {data.Length} voxels, the grid {Nx}x{Ny}x{Nz} needs {Count}");
    }
}
