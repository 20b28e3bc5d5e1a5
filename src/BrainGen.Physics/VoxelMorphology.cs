namespace BrainGen.Physics;

/// <summary>Binary-mask operations on a voxel grid with 6-connectivity (face neighbours).</summary>
public static class VoxelMorphology
{
    /// <summary>Approximate distance (mm) from each mask voxel to the nearest voxel outside the mask (6-connected BFS; 0 outside).</summary>
    public static float[] DepthInsideMask(bool[] mask, VoxelGrid grid)
    {
        var depth = new float[grid.Count];
        var queue = new Queue<int>();
        double step = (grid.SpacingX + grid.SpacingY + grid.SpacingZ) / 3;
        for (int i = 0; i < mask.Length; i++)
        {
            if (!mask[i]) continue;
            depth[i] = float.MaxValue;
            var (x, y, z) = grid.Coordinates(i);
            bool border = x == 0 || y == 0 || z == 0 || x == grid.Nx - 1 || y == grid.Ny - 1 || z == grid.Nz - 1;
            if (!border) foreach (int j in Neighbours(i, grid)) border |= !mask[j];
            if (border) { depth[i] = (float)step; queue.Enqueue(i); }
        }
        while (queue.Count > 0)
        {
            int i = queue.Dequeue();
            foreach (int j in Neighbours(i, grid))
                if (mask[j] && depth[j] > depth[i] + step) { depth[j] = (float)(depth[i] + step); queue.Enqueue(j); }
        }
        return depth;
    }

    /// <summary>City-block dilation by <paramref name="steps"/> voxels (6-neighbour BFS).</summary>
    public static bool[] Dilate(bool[] region, VoxelGrid grid, int steps)
    {
        var result = (bool[])region.Clone();
        var distance = new int[grid.Count];
        var queue = new Queue<int>();
        for (int i = 0; i < region.Length; i++) if (region[i]) queue.Enqueue(i);
        while (queue.Count > 0)
        {
            int i = queue.Dequeue();
            if (distance[i] == steps) continue;
            foreach (int j in Neighbours(i, grid))
                if (!result[j]) { result[j] = true; distance[j] = distance[i] + 1; queue.Enqueue(j); }
        }
        return result;
    }

    /// <summary>The face neighbours of voxel i that lie inside the grid.</summary>
    public static IEnumerable<int> Neighbours(int i, VoxelGrid g)
    {
        var (x, y, z) = g.Coordinates(i);
        if (x > 0) yield return i - 1;
        if (x < g.Nx - 1) yield return i + 1;
        if (y > 0) yield return i - g.Nx;
        if (y < g.Ny - 1) yield return i + g.Nx;
        if (z > 0) yield return i - g.Nx * g.Ny;
        if (z < g.Nz - 1) yield return i + g.Nx * g.Ny;
    }
}
