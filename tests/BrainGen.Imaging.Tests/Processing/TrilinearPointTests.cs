namespace BrainGen.Imaging.Tests;

public class TrilinearPointTests
{
    private const int Nx = 5, Ny = 4, Nz = 3;

    /// <summary>f = 1 + 2x − 3y + 0.5z, which trilinear interpolation reproduces inside the grid.</summary>
    private static readonly float[] Linear = Enumerable.Range(0, Nx * Ny * Nz)
        .Select(i => (float)(1 + 2 * (i % Nx) - 3 * (i / Nx % Ny) + 0.5 * (i / (Nx * Ny)))).ToArray();

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(4, 3, 2)]
    [InlineData(1.25, 2.5, 0.75)]
    [InlineData(3.999, 0.001, 1.5)]
    public void InsidePointsReproduceALinearField(double x, double y, double z)
    {
        Assert.True(TrilinearPoint.TryInside(Nx, Ny, Nz, x, y, z, out var point));
        AssertClose.Equal(1 + 2 * x - 3 * y + 0.5 * z, point.Sample(Linear), abs: 1e-6, rel: 1e-6);
        Assert.Equal(point.Sample(Linear), TrilinearPoint.Clamped(Nx, Ny, Nz, x, y, z).Sample(Linear));
    }

    [Theory]
    [InlineData(-0.01, 1, 1)]
    [InlineData(1, 3.01, 1)]
    [InlineData(1, 1, double.NaN)]
    public void OutsidePointsAreRejectedOrClampedToTheEdge(double x, double y, double z)
    {
        Assert.False(TrilinearPoint.TryInside(Nx, Ny, Nz, x, y, z, out _));
        if (double.IsNaN(z)) return;
        var edge = TrilinearPoint.Clamped(Nx, Ny, Nz, Math.Clamp(x, 0, Nx - 1), Math.Clamp(y, 0, Ny - 1), Math.Clamp(z, 0, Nz - 1));
        Assert.Equal(edge.Sample(Linear), TrilinearPoint.Clamped(Nx, Ny, Nz, x, y, z).Sample(Linear));
    }

    [Fact]
    public void VoxelCentresReadExactCopiesAndOnePointServesSeveralMaps()
    {
        var random = new Random(3);
        var noise = Enumerable.Range(0, Nx * Ny * Nz).Select(_ => (float)random.NextDouble()).ToArray();
        for (int i = 0; i < noise.Length; i++)
        {
            int x = i % Nx, y = i / Nx % Ny, z = i / (Nx * Ny);
            var point = TrilinearPoint.Clamped(Nx, Ny, Nz, x, y, z);
            Assert.Equal(noise[i], point.Sample(noise));
            Assert.Equal(Linear[i], point.Sample(Linear));
        }
    }
}
