using System.Numerics;

namespace BrainGen.Physics;

/// <summary>
/// Separable Gaussian low-pass of a 3D float array, zero outside the grid (callers that need a
/// normalized convolution smooth a weight map too and divide). Used for bias fields, random smooth
/// fields and deformation regularization; this is field maths, not image resampling.
/// Every output voxel is Σ_j k_j·x_j summed in float over ascending j, one SIMD lane per voxel, so
/// the result is the same bits as the plain scalar loop (the phantom's outputs depend on it).
/// </summary>
internal static class GaussianSmoothing
{
    public static double FwhmToSigma(double fwhm) => fwhm / (2 * Math.Sqrt(2 * Math.Log(2)));

    /// <summary>Returns a smoothed copy; sigma in mm per axis (≤ 0 skips that axis).</summary>
    public static float[] Smooth(ReadOnlySpan<float> input, VoxelGrid grid, double sigmaMm)
    {
        var a = input.ToArray();
        var b = new float[a.Length];
        SmoothX(a, b, grid, sigmaMm / grid.SpacingX);
        SmoothAcrossRows(b, a, grid, grid.Ny, grid.Nx, sigmaMm / grid.SpacingY);
        SmoothAcrossRows(a, b, grid, grid.Nz, grid.Nx * grid.Ny, sigmaMm / grid.SpacingZ);
        return b;
    }

    /// <summary>Normalized taps exp(−i²/2σ²), i = −3σ…3σ (at least ±1).</summary>
    internal static float[] Kernel(double sigmaVoxels)
    {
        int radius = Math.Max(1, (int)Math.Ceiling(3 * sigmaVoxels));
        var k = new float[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) sum += k[i + radius] = (float)Math.Exp(-0.5 * i * i / (sigmaVoxels * sigmaVoxels));
        for (int i = 0; i < k.Length; i++) k[i] = (float)(k[i] / sum);
        return k;
    }

    private static bool Skips(double sigmaVoxels) => sigmaVoxels <= 0.05;

    /// <summary>
    /// Along x, the contiguous axis: each line is copied between zero pads so a lane can run over all
    /// 2r+1 taps; a padded term adds k·0 = +0, which leaves a float sum unchanged.
    /// </summary>
    private static void SmoothX(float[] src, float[] dst, VoxelGrid g, double sigmaVoxels)
    {
        if (Skips(sigmaVoxels)) { Array.Copy(src, dst, src.Length); return; }
        var kernel = Kernel(sigmaVoxels);
        int radius = kernel.Length / 2, n = g.Nx, width = Vector<float>.Count;
        Parallel.For(0, g.Ny * g.Nz, () => new float[n + 2 * radius + width], (line, _, padded) =>
        {
            int start = line * n;
            src.AsSpan(start, n).CopyTo(padded.AsSpan(radius));
            int i = 0;
            for (; i <= n - width; i += width)
            {
                var acc = Vector<float>.Zero;
                for (int t = 0; t < kernel.Length; t++) acc += new Vector<float>(kernel[t]) * new Vector<float>(padded, i + t);
                acc.CopyTo(dst, start + i);
            }
            for (; i < n; i++)
            {
                float acc = 0;
                for (int t = 0; t < kernel.Length; t++) acc += kernel[t] * padded[i + t];
                dst[start + i] = acc;
            }
            return padded;
        }, _ => { });
    }

    /// <summary>
    /// Along y (rows of Nx within a plane) or z (planes of Nx·Ny): whole rows are combined at once,
    /// vectorized over the contiguous x positions.
    /// </summary>
    private static void SmoothAcrossRows(float[] src, float[] dst, VoxelGrid g, int n, int stride, double sigmaVoxels)
    {
        if (Skips(sigmaVoxels)) { Array.Copy(src, dst, src.Length); return; }
        var kernel = Kernel(sigmaVoxels);
        int radius = kernel.Length / 2, nx = g.Nx, width = Vector<float>.Count;
        int rows = g.Count / nx;
        Parallel.For(0, rows, row =>
        {
            int outStart = row * nx;
            // Position of this row along the smoothed axis, and the row index at position 0.
            int i = outStart / stride % n;
            int origin = outStart - i * stride;
            int lo = Math.Max(0, i - radius), hi = Math.Min(n - 1, i + radius);
            int x = 0;
            for (; x <= nx - width; x += width)
            {
                var acc = Vector<float>.Zero;
                for (int j = lo; j <= hi; j++) acc += new Vector<float>(kernel[j - i + radius]) * new Vector<float>(src, origin + j * stride + x);
                acc.CopyTo(dst, outStart + x);
            }
            for (; x < nx; x++)
            {
                float acc = 0;
                for (int j = lo; j <= hi; j++) acc += kernel[j - i + radius] * src[origin + j * stride + x];
                dst[outStart + x] = acc;
            }
        });
    }
}
