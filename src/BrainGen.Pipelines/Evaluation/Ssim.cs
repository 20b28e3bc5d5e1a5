using BrainGen.Torch;

namespace BrainGen.Pipelines.Evaluation;

public enum SsimKernel { Gaussian, Uniform }

/// <summary>
/// Window and constants shared by the SSIM family, with MONAI's defaults (<c>SSIMMetric</c>,
/// <c>MultiScaleSSIMMetric</c>): gaussian window of 11 voxels, sigma 1.5, k1 0.01, k2 0.03, data range 1.
/// </summary>
public sealed record SsimOptions
{
    public double DataRange { get; init; } = 1.0;
    public SsimKernel Kernel { get; init; } = SsimKernel.Gaussian;
    public int KernelSize { get; init; } = 11;
    public double KernelSigma { get; init; } = 1.5;
    public double K1 { get; init; } = 0.01;
    public double K2 { get; init; } = 0.03;

    public double C1 => (K1 * DataRange) * (K1 * DataRange);
    public double C2 => (K2 * DataRange) * (K2 * DataRange);

    public static SsimOptions Default { get; } = new();
}

/// <summary>
/// Structural similarity (Wang, Bovik, Sheikh, Simoncelli 2004, "Image quality assessment: from
/// error visibility to structural similarity", IEEE TIP 13(4)), computed as MONAI's
/// <c>compute_ssim_and_cs</c>: local statistics from a valid (unpadded) depthwise convolution with the
/// window, so the maps are smaller than the image by kernel-1 per axis. 2D (B, C, H, W) or 3D
/// (B, C, X, Y, Z) inputs; computed in float32 as MONAI does.
/// </summary>
public static class Ssim
{
    /// <summary>SSIM per batch element: the mean of the SSIM map over channels and space, shape (B).</summary>
    public static Tensor Compute(Tensor x, Tensor y, SsimOptions? options = null)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var (ssim, _) = Maps(x, y, options ?? SsimOptions.Default);
        return ssim.Reshape(ssim.Size(0), -1).Mean(1).MoveToOuterScope();
    }

    /// <summary>
    /// The SSIM map and the contrast-structure map cs = (2 s_xy + c2) / (s_x² + s_y² + c2), both
    /// (B, C, *S - kernel + 1).
    /// </summary>
    public static (Tensor Ssim, Tensor ContrastStructure) Maps(Tensor x, Tensor y, SsimOptions options)
    {
        CheckPair(x, y, "SSIM");
        using var scope = Torch.Torch.NewDisposeScope();
        var a = x.To(DType.Float32);
        var b = y.To(DType.Float32);
        var window = Window(options, DType.Float32, a.Device);
        var muX = Filter(a, window);
        var muY = Filter(b, window);
        var sigmaX = Filter(a * a, window) - muX * muX;
        var sigmaY = Filter(b * b, window) - muY * muY;
        var sigmaXY = Filter(a * b, window) - muX * muY;
        var cs = (2 * sigmaXY + options.C2) / (sigmaX + sigmaY + options.C2);
        var ssim = (2 * muX * muY + options.C1) / (muX.Square() + muY.Square() + options.C1) * cs;
        return (ssim.MoveToOuterScope(), cs.MoveToOuterScope());
    }

    /// <summary>
    /// The 1D window (k) in <paramref name="dtype"/>: a normalized gaussian exp(-d²/2σ²) over
    /// d = -(k-1)/2 .. (k-1)/2, or a uniform 1/k. MONAI's 2D/3D windows are outer products of it.
    /// </summary>
    public static Tensor Window(SsimOptions options, DType dtype = DType.Float32, Device? device = null)
    {
        int k = options.KernelSize;
        if (k < 1) throw new ArgumentException($"SSIM kernel size must be positive, got {k}");
        var g = new double[k];
        for (int i = 0; i < k; i++)
            g[i] = options.Kernel == SsimKernel.Uniform ? 1 : Math.Exp(-0.5 * Math.Pow((i - (k - 1) / 2.0) / options.KernelSigma, 2));
        double sum = g.Sum();
        using var host = Tensor.FromArray(g.Select(v => v / sum).ToArray(), [k]);
        return host.To(device ?? Device.CPU, dtype);
    }

    /// <summary>
    /// Depthwise valid filtering of (B, C, *S) with the outer-product window. In float32 it convolves
    /// with the full k^n window as MONAI does: s² = E[x²] - E[x]² cancels badly in float32, and summing
    /// in another order (axis by axis) moved 3D SSIM by 3e-5 relative. In float64 the window's
    /// separability is used (k taps per axis instead of k^n), where the summation order does not matter.
    /// </summary>
    public static Tensor Filter(Tensor input, Tensor window)
    {
        int dims = input.Dim - 2;
        if (dims is not (2 or 3)) throw new ArgumentException($"SSIM needs 2D or 3D images, got {dims} spatial dims");
        using var scope = Torch.Torch.NewDisposeScope();
        long channels = input.Size(1), k = window.Size(0);
        var ones = Enumerable.Repeat(1L, dims).ToArray();
        var repeat = Enumerable.Repeat(1L, dims + 2).ToArray();
        repeat[0] = channels;
        if (input.DType != DType.Float64)
        {
            var full = window;
            for (int d = 1; d < dims; d++) full = full.Unsqueeze(-1) * window;  // (k, k[, k])
            var kernel = full.Reshape([1, 1, .. Enumerable.Repeat(k, dims)]).Repeat(repeat);  // (C, 1, k, k[, k])
            return Functional.ConvNd(input, kernel, null, ones, new long[dims], ones, channels).MoveToOuterScope();
        }
        // float64: shifted views weighted and summed per axis; libtorch's float64 convolution has no
        // fast kernel (11 taps over 112^3 took 0.8 s per axis as a convolution, ~20 ms this way).
        var taps = window.To(DType.Float64).ToArray<double>();
        var x = input;
        for (int d = 0; d < dims; d++)
        {
            long n = x.Size(2 + d) - k + 1;
            Tensor sum = x.Narrow(2 + d, 0, n) * taps[0];
            for (int i = 1; i < k; i++) sum = sum + x.Narrow(2 + d, i, n) * taps[i];
            x = sum;
        }
        return x.MoveToOuterScope();
    }

    internal static void CheckPair(Tensor x, Tensor y, string metric)
    {
        if (!x.Shape.SequenceEqual(y.Shape))
            throw new ArgumentException($"{metric}: images differ in shape, [{string.Join(", ", x.Shape)}] vs [{string.Join(", ", y.Shape)}]");
        if (x.Dim is not (4 or 5))
            throw new ArgumentException($"{metric}: needs (B, C, H, W) or (B, C, X, Y, Z) images, got {x.Dim} dims");
    }
}
