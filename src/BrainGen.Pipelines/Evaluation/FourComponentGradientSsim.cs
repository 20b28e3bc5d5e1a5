using BrainGen.Torch;

namespace BrainGen.Pipelines.Evaluation;

/// <summary>
/// 4-G-R-SSIM, the diversity measure Pinaya et al. (2022) report beside MS-SSIM: Li and Bovik's
/// four-component, gradient-based SSIM (Li &amp; Bovik 2010, "Content-partitioned structural similarity
/// index for image quality assessment", Signal Processing: Image Communication 25(7)), built on
/// Chen et al.'s gradient SSIM (Chen, Yang, Xie 2006, "Gradient-based structural similarity for image
/// quality assessment", ICIP).
/// <list type="number">
/// <item>G-SSIM map: the luminance term of SSIM from the images times the contrast-structure term from
/// their Sobel gradient magnitudes (same window and constants as <see cref="Ssim"/>).</item>
/// <item>Every window centre is put in one of four regions by the gradient magnitudes p_x of the
/// reference x and p_y of the other image, with TH1 = 0.12·max(p_x), TH2 = 0.06·max(p_x):
/// preserved edge (p_x &gt; TH1 and p_y &gt; TH1), changed edge (exactly one &gt; TH1), smooth
/// (p_x &lt; TH2 and p_y ≤ TH1), texture (the rest).</item>
/// <item>The score is Σ w_i·mean(G-SSIM over region i) / Σ w_i over the non-empty regions, with equal
/// weights 0.25 by default (Li and Bovik found unequal weights gave no consistent gain).</item>
/// </list>
/// The Sobel operator extends to 3D as the derivative [-1, 0, 1] along one axis smoothed by [1, 2, 1]
/// along the others, with edge-replicating borders (scipy.ndimage.sobel, mode "nearest"). No MONAI or
/// GenerativeModels implementation exists; the tests compare with an independent NumPy one
/// (tools/fixtures/make_metric_fixtures.py). Computed in float64 so that the region thresholds do
/// not flip on rounding.
/// </summary>
public static class FourComponentGradientSsim
{
    public static readonly double[] DefaultRegionWeights = [0.25, 0.25, 0.25, 0.25];

    /// <summary>The score per batch element (mean over channels), shape (B), float64; x is the reference.</summary>
    public static Tensor Compute(Tensor x, Tensor y, SsimOptions? options = null, double[]? regionWeights = null)
    {
        options ??= SsimOptions.Default;
        regionWeights ??= DefaultRegionWeights;
        if (regionWeights.Length != 4) throw new ArgumentException("4-G-R-SSIM needs four region weights (preserved edge, changed edge, smooth, texture)");
        Ssim.CheckPair(x, y, "4-G-R-SSIM");
        int dims = x.Dim - 2;
        foreach (var size in x.Shape.Skip(2))
            if (size < options.KernelSize)
                throw new ArgumentException($"4-G-R-SSIM: every image side must be at least the kernel size {options.KernelSize}; got [{string.Join(", ", x.Shape.Skip(2))}]");

        using var scope = Torch.Torch.NewDisposeScope();
        var a = x.To(DType.Float64);
        var b = y.To(DType.Float64);
        var window = Ssim.Window(options, DType.Float64, a.Device);
        var muX = Ssim.Filter(a, window);
        var muY = Ssim.Filter(b, window);
        var luminance = (2 * muX * muY + options.C1) / (muX.Square() + muY.Square() + options.C1);

        var gx = SobelMagnitude(a);
        var gy = SobelMagnitude(b);
        var mgx = Ssim.Filter(gx, window);
        var mgy = Ssim.Filter(gy, window);
        var vx = Ssim.Filter(gx * gx, window) - mgx * mgx;
        var vy = Ssim.Filter(gy * gy, window) - mgy * mgy;
        var cxy = Ssim.Filter(gx * gy, window) - mgx * mgy;
        var gssim = luminance * (2 * cxy + options.C2) / (vx + vy + options.C2);  // (B, C, *S - k + 1)

        // Gradient magnitudes at the window centres, thresholds from the reference's maximum per image and channel.
        int half = options.KernelSize / 2;
        Tensor px = gx, py = gy;
        for (int d = 0; d < dims; d++)
        {
            px = px.Narrow(2 + d, half, gssim.Size(2 + d));
            py = py.Narrow(2 + d, half, gssim.Size(2 + d));
        }
        var gmax = Ops.Amax(gx, Enumerable.Range(2, dims).Select(d => (long)d).ToArray(), true);
        var th1 = gmax * 0.12;
        var th2 = gmax * 0.06;
        var edgeX = px.Gt(th1);
        var edgeY = py.Gt(th1);
        var preserved = Ops.LogicalAnd(edgeX, edgeY);
        var changed = Ops.LogicalXor(edgeX, edgeY);
        var smooth = Ops.LogicalAnd(px.Lt(th2), Ops.LogicalNot(edgeY));
        var texture = Ops.LogicalNot(Ops.LogicalOr(Ops.LogicalOr(preserved, changed), smooth));

        var spatial = Enumerable.Range(2, dims).Select(d => (long)d).ToArray();
        Tensor numerator = gssim.Flatten(2).Select(2, 0).ZerosLike();  // (B, C)
        Tensor denominator = numerator.ZerosLike();
        var regions = new[] { preserved, changed, smooth, texture };
        for (int i = 0; i < 4; i++)
        {
            var mask = regions[i].To(DType.Float64);
            var count = mask.Sum(spatial);
            var present = count.Gt(0).To(DType.Float64);
            var mean = (gssim * mask).Sum(spatial) / count.Clamp(min: 1);
            numerator = numerator + regionWeights[i] * present * mean;
            denominator = denominator + regionWeights[i] * present;
        }
        return (numerator / denominator).Mean(1).MoveToOuterScope();
    }

    /// <summary>
    /// Sobel gradient magnitude of (B, C, *S), same size, replicate borders. Separable, as shifted
    /// views: the central difference x[i+1] - x[i-1] along one axis, [1, 2, 1] along each other.
    /// </summary>
    public static Tensor SobelMagnitude(Tensor input)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        int dims = input.Dim - 2;
        var padded = Functional.Pad(input, Enumerable.Repeat(1L, 2 * dims).ToArray(), PadMode.Replicate);
        Tensor sum = null!;
        for (int axis = 0; axis < dims; axis++)
        {
            long n = input.Size(2 + axis);
            var g = padded.Narrow(2 + axis, 2, n) - padded.Narrow(2 + axis, 0, n);
            for (int other = 0; other < dims; other++)
            {
                if (other == axis) continue;
                long m = input.Size(2 + other);
                g = g.Narrow(2 + other, 0, m) + 2 * g.Narrow(2 + other, 1, m) + g.Narrow(2 + other, 2, m);
            }
            sum = axis == 0 ? g.Square() : sum + g.Square();
        }
        return sum.Sqrt().MoveToOuterScope();
    }
}
