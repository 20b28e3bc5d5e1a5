namespace BrainGen.Physics.Tests;

public class GaussianSmoothingTests
{
    /// <summary>The plain per-voxel convolution, axis by axis, zero outside the grid.</summary>
    private static float[] Reference(float[] input, VoxelGrid g, double sigmaMm)
    {
        var current = (float[])input.Clone();
        double[] spacing = [g.SpacingX, g.SpacingY, g.SpacingZ];
        int[] size = [g.Nx, g.Ny, g.Nz];
        for (int axis = 0; axis < 3; axis++)
        {
            double sigma = sigmaMm / spacing[axis];
            if (sigma <= 0.05) continue;
            var k = GaussianSmoothing.Kernel(sigma);
            int r = k.Length / 2;
            var next = new float[current.Length];
            for (int z = 0; z < g.Nz; z++)
                for (int y = 0; y < g.Ny; y++)
                    for (int x = 0; x < g.Nx; x++)
                    {
                        int[] p = [x, y, z];
                        int i = p[axis];
                        float acc = 0;
                        for (int j = Math.Max(0, i - r); j <= Math.Min(size[axis] - 1, i + r); j++)
                        {
                            p[axis] = j;
                            acc += k[j - i + r] * current[g.Index(p[0], p[1], p[2])];
                        }
                        next[g.Index(x, y, z)] = acc;
                    }
            current = next;
        }
        return current;
    }

    [Theory]
    // Odd sizes leave a scalar remainder after the SIMD lanes; wide kernels reach past both edges.
    [InlineData(23, 17, 13, 1.0, 1.0, 1.0, 2.5)]
    [InlineData(9, 31, 5, 2.0, 1.0, 3.0, 6.0)]
    [InlineData(40, 3, 11, 1.0, 2.0, 0.5, 0.04)]
    public void VectorizedSmoothingIsBitIdenticalToThePlainConvolution(int nx, int ny, int nz, double sx, double sy, double sz, double sigmaMm)
    {
        var grid = new VoxelGrid(nx, ny, nz, sx, sy, sz);
        var random = new DeterministicRandom(5);
        var input = Enumerable.Range(0, grid.Count).Select(_ => (float)random.NextGaussian()).ToArray();
        Assert.Equal(Reference(input, grid, sigmaMm), GaussianSmoothing.Smooth(input, grid, sigmaMm));
    }

    [Fact]
    public void SmoothingKeepsTheMassOfAPointFarFromTheEdge()
    {
        var grid = new VoxelGrid(31, 31, 31, 2, 2, 2);
        var input = new float[grid.Count];
        input[grid.Index(15, 15, 15)] = 1;
        var smooth = GaussianSmoothing.Smooth(input, grid, 4);
        AssertClose.Equal(1.0, smooth.Sum(v => (double)v), abs: 1e-5);
        Assert.True(smooth[grid.Index(15, 15, 15)] > smooth[grid.Index(16, 15, 15)]);
        AssertClose.Equal(smooth[grid.Index(14, 15, 15)], smooth[grid.Index(16, 15, 15)], rel: 1e-6);
    }
}
