namespace BrainGen.Physics;

/// <summary>
/// Separable Gaussian low-pass of a 3D float array, zero outside the grid (callers that need a
/// normalized convolution smooth a weight map too and divide). Used for bias fields, random smooth
/// fields and deformation regularization; this is field maths, not image resampling.
/// </summary>
internal static class GaussianSmoothing
{
    public static double FwhmToSigma(double fwhm) => fwhm / (2 * Math.Sqrt(2 * Math.Log(2)));

    /// <summary>Returns a smoothed copy; sigma in mm per axis (≤ 0 skips that axis).</summary>
    public static float[] Smooth(ReadOnlySpan<float> input, VoxelGrid grid, double sigmaMm)
    {
        var a = input.ToArray();
        var b = new float[a.Length];
        SmoothAxis(a, b, grid, 0, sigmaMm / grid.SpacingX);
        SmoothAxis(b, a, grid, 1, sigmaMm / grid.SpacingY);
        SmoothAxis(a, b, grid, 2, sigmaMm / grid.SpacingZ);
        return b;
    }

    private static float[] Kernel(double sigmaVoxels)
    {
        int radius = Math.Max(1, (int)Math.Ceiling(3 * sigmaVoxels));
        var k = new float[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) sum += k[i + radius] = (float)Math.Exp(-0.5 * i * i / (sigmaVoxels * sigmaVoxels));
        for (int i = 0; i < k.Length; i++) k[i] = (float)(k[i] / sum);
        return k;
    }

    private static void SmoothAxis(float[] src, float[] dst, VoxelGrid g, int axis, double sigmaVoxels)
    {
        if (sigmaVoxels <= 0.05) { Array.Copy(src, dst, src.Length); return; }
        var kernel = Kernel(sigmaVoxels);
        int radius = kernel.Length / 2;
        int n = axis switch { 0 => g.Nx, 1 => g.Ny, _ => g.Nz };
        int stride = axis switch { 0 => 1, 1 => g.Nx, _ => g.Nx * g.Ny };
        // Lines along `axis`: enumerate their start indices over the other two axes.
        int lines = g.Count / n;
        Parallel.For(0, lines, line =>
        {
            int start = axis switch
            {
                0 => line * g.Nx,
                1 => line % g.Nx + (line / g.Nx) * g.Nx * g.Ny,
                _ => line,
            };
            for (int i = 0; i < n; i++)
            {
                int lo = Math.Max(0, i - radius), hi = Math.Min(n - 1, i + radius);
                float acc = 0;
                for (int j = lo; j <= hi; j++) acc += kernel[j - i + radius] * src[start + j * stride];
                dst[start + i * stride] = acc;
            }
        });
    }
}
