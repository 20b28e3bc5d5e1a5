namespace BrainGen.Physics.Segmentation;

/// <summary>
/// The voxels inside a mask, stored compactly, with their 6-connected neighbours inside the mask.
/// The MRF prior and the partial-volume step only ever look at these neighbours, so a compact table
/// (6 ints per voxel, −1 where the neighbour is outside) keeps each sweep a tight loop.
/// </summary>
internal sealed class MaskedNeighbourhood
{
    public const int NeighbourCount = 6;

    public VoxelGrid Grid { get; }
    /// <summary>Full-grid index of each masked voxel, in grid order.</summary>
    public int[] Indices { get; }
    /// <summary>Compact index of each voxel's neighbours (−x, +x, −y, +y, −z, +z), −1 outside the mask.</summary>
    public int[] Neighbours { get; }
    /// <summary>Weight of each neighbour direction, 1/spacing² normalized to 1 for the finest axis (anisotropic voxels).</summary>
    public float[] DirectionWeights { get; }

    public int Count => Indices.Length;

    public MaskedNeighbourhood(VoxelGrid grid, ReadOnlySpan<bool> mask)
    {
        Grid = grid;
        var compact = new int[grid.Count];
        var indices = new List<int>();
        for (int i = 0; i < grid.Count; i++)
        {
            compact[i] = mask[i] ? indices.Count : -1;
            if (mask[i]) indices.Add(i);
        }
        Indices = indices.ToArray();
        Neighbours = new int[Indices.Length * NeighbourCount];
        double finest = Math.Min(grid.SpacingX, Math.Min(grid.SpacingY, grid.SpacingZ));
        DirectionWeights =
        [
            (float)Math.Pow(finest / grid.SpacingX, 2), (float)Math.Pow(finest / grid.SpacingX, 2),
            (float)Math.Pow(finest / grid.SpacingY, 2), (float)Math.Pow(finest / grid.SpacingY, 2),
            (float)Math.Pow(finest / grid.SpacingZ, 2), (float)Math.Pow(finest / grid.SpacingZ, 2),
        ];
        var g = grid;
        var neighbours = Neighbours;
        var idx = Indices;
        Parallel.For(0, idx.Length, c =>
        {
            var (x, y, z) = g.Coordinates(idx[c]);
            int o = c * NeighbourCount;
            neighbours[o + 0] = x > 0 ? compact[idx[c] - 1] : -1;
            neighbours[o + 1] = x < g.Nx - 1 ? compact[idx[c] + 1] : -1;
            neighbours[o + 2] = y > 0 ? compact[idx[c] - g.Nx] : -1;
            neighbours[o + 3] = y < g.Ny - 1 ? compact[idx[c] + g.Nx] : -1;
            neighbours[o + 4] = z > 0 ? compact[idx[c] - g.Nx * g.Ny] : -1;
            neighbours[o + 5] = z < g.Nz - 1 ? compact[idx[c] + g.Nx * g.Ny] : -1;
        });
    }

    /// <summary>Gathers the masked voxels of a full-grid array.</summary>
    public float[] Gather(ReadOnlySpan<float> full)
    {
        var values = new float[Count];
        for (int c = 0; c < Count; c++) values[c] = full[Indices[c]];
        return values;
    }

    /// <summary>Scatters compact values back into a zero full-grid array.</summary>
    public float[] Scatter(ReadOnlySpan<float> compactValues, int stride = 1, int offset = 0)
    {
        var full = new float[Grid.Count];
        for (int c = 0; c < Count; c++) full[Indices[c]] = compactValues[c * stride + offset];
        return full;
    }
}
