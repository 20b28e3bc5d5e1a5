using BrainGen.Torch;

namespace BrainGen.Pipelines.Evaluation;

/// <summary>
/// Multi-scale SSIM (Wang, Simoncelli, Bovik 2003, "Multiscale structural similarity for image
/// quality assessment", Asilomar Conference on Signals, Systems and Computers), as MONAI's
/// <c>compute_ms_ssim</c>: at each of len(weights) scales the mean contrast-structure term, then a 2×
/// average-pool; the last scale uses the full SSIM. Each term is clamped at 0 (relu) and raised to its
/// weight, and the powers are multiplied. Pinaya et al. (2022) measure sample diversity with
/// 3D MS-SSIM, kernel 7, data range 1.
/// </summary>
public static class MultiScaleSsim
{
    /// <summary>MONAI's default scale weights (Wang 2003, Table 1 / eq. 7).</summary>
    public static readonly double[] DefaultWeights = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

    /// <summary>
    /// The smallest image side MONAI accepts: it requires size // (scales-1)² > kernel-1, so
    /// kernel × (scales-1)² (112 for kernel 7 and five scales; 176 for kernel 11).
    /// </summary>
    public static int MinimumSize(int kernelSize, int scales = 5)
    {
        int div = Math.Max(1, scales - 1) * Math.Max(1, scales - 1);
        return kernelSize * div;
    }

    /// <summary>MS-SSIM per batch element, shape (B).</summary>
    public static Tensor Compute(Tensor x, Tensor y, SsimOptions? options = null, double[]? weights = null)
    {
        options ??= SsimOptions.Default;
        weights ??= DefaultWeights;
        Ssim.CheckPair(x, y, "MS-SSIM");
        int minimum = MinimumSize(options.KernelSize, weights.Length);
        int div = minimum / options.KernelSize;
        foreach (var size in x.Shape.Skip(2))
            if (size / div <= options.KernelSize - 1)
                throw new ArgumentException($"MS-SSIM: with {weights.Length} scales and kernel {options.KernelSize} every image side must be at least {minimum} voxels; got [{string.Join(", ", x.Shape.Skip(2))}]");

        using var scope = Torch.Torch.NewDisposeScope();
        int dims = x.Dim - 2;
        long[] two = Enumerable.Repeat(2L, dims).ToArray();
        Tensor Pool(Tensor t) => dims == 3 ? Functional.AvgPool3d(t, two) : Functional.AvgPool2d(t, two);

        var a = x.To(DType.Float32);
        var b = y.To(DType.Float32);
        var terms = new Tensor[weights.Length];
        Tensor ssim = null!;
        for (int i = 0; i < weights.Length; i++)
        {
            var (s, cs) = Ssim.Maps(a, b, options);
            ssim = s;
            terms[i] = Functional.Relu(cs.Reshape(cs.Size(0), -1).Mean(1));  // (B)
            a = Pool(a);
            b = Pool(b);
        }
        terms[^1] = Functional.Relu(ssim.Reshape(ssim.Size(0), -1).Mean(1));
        var w = Tensor.FromArray(weights.Select(v => (float)v).ToArray(), [weights.Length, 1], x.Device);
        var stacked = Tensor.Stack(terms);  // (scales, B)
        return Ops.ProdDimInt(stacked.Pow(w), 0).MoveToOuterScope();
    }
}
