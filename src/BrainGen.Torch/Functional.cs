using BrainGen.Torch.Interop;

namespace BrainGen.Torch;

/// <summary>
/// <c>torch.nn.functional</c>: the stateless layers, with PyTorch's argument conventions and
/// defaults. Spatial arguments take one value per spatial dimension.
/// </summary>
public static class Functional
{
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null) => Ops.Linear(input, weight, bias);

    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, long[]? stride = null, long[]? padding = null,
                                long[]? dilation = null, long groups = 1) =>
        Ops.Conv2d(input, weight, bias, stride, padding, dilation, groups);

    public static Tensor Conv3d(Tensor input, Tensor weight, Tensor? bias = null, long[]? stride = null, long[]? padding = null,
                                long[]? dilation = null, long groups = 1) =>
        Ops.Conv3d(input, weight, bias, stride, padding, dilation, groups);

    /// <summary>
    /// Convolution over 1-3 spatial dims, picked from the stride's length (MONAI's spatial_dims).
    /// Goes through aten::conv1d/2d/3d, as nn.ConvNd does, not aten::convolution: CPU autocast
    /// (libtorch 1.13) only lists the former, so aten::convolution silently stayed fp32 under bf16.
    /// </summary>
    public static Tensor ConvNd(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups = 1) =>
        stride.Length switch
        {
            1 => Ops.Conv1d(input, weight, bias, stride, padding, dilation, groups),
            2 => Ops.Conv2d(input, weight, bias, stride, padding, dilation, groups),
            3 => Ops.Conv3d(input, weight, bias, stride, padding, dilation, groups),
            _ => Ops.Convolution(input, weight, bias, stride, padding, dilation, false, new long[stride.Length], groups),
        };

    public static Tensor ConvTranspose3d(Tensor input, Tensor weight, Tensor? bias = null, long[]? stride = null, long[]? padding = null,
                                         long[]? outputPadding = null, long groups = 1, long[]? dilation = null) =>
        Ops.ConvTranspose3dInput(input, weight, bias, stride, padding, outputPadding, groups, dilation);

    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias = null, long[]? stride = null, long[]? padding = null,
                                         long[]? outputPadding = null, long groups = 1, long[]? dilation = null) =>
        Ops.ConvTranspose2dInput(input, weight, bias, stride, padding, outputPadding, groups, dilation);

    /// <summary>
    /// group_norm. libtorch 1.13's CPU autocast leaves group_norm off its fp32 list, so a bf16 activation
    /// meets fp32 affine weights and the kernel refuses; like CUDA autocast, normalize in the weights' dtype.
    /// </summary>
    public static Tensor GroupNorm(Tensor input, long numGroups, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        if (weight is null || input.DType == weight.DType) return Ops.GroupNorm(input, numGroups, weight, bias, eps);
        using var upcast = input.To(weight.DType);
        return Ops.GroupNorm(upcast, numGroups, weight, bias, eps);
    }

    /// <summary>layer_norm; a bf16 activation under CPU autocast is normalized in the weights' dtype, as in <see cref="GroupNorm"/>.</summary>
    public static Tensor LayerNorm(Tensor input, long[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        if (weight is null || input.DType == weight.DType) return Ops.LayerNorm(input, normalizedShape, weight, bias, eps);
        using var upcast = input.To(weight.DType);
        return Ops.LayerNorm(upcast, normalizedShape, weight, bias, eps);
    }

    public static Tensor Silu(Tensor input) => Ops.Silu(input);
    public static Tensor Relu(Tensor input) => Ops.Relu(input);
    public static Tensor LeakyRelu(Tensor input, double negativeSlope = 0.01) => Ops.LeakyRelu(input, negativeSlope);

    /// <summary>GELU, exact (erf) by default or the tanh approximation.</summary>
    public static Tensor Gelu(Tensor input, bool tanhApproximation = false) => Ops.Gelu(input, tanhApproximation ? "tanh" : "none");

    public static Tensor Softmax(Tensor input, long dim) => Ops.SoftmaxInt(input, dim);
    public static Tensor LogSoftmax(Tensor input, long dim) => Ops.LogSoftmaxInt(input, dim);

    public static Tensor Dropout(Tensor input, double p, bool training) =>
        training && p > 0 ? Ops.Dropout(input, p, true) : input.Alias();

    public static Tensor Embedding(Tensor indices, Tensor weight) => Ops.Embedding(weight, indices);

    public static Tensor MseLoss(Tensor input, Tensor target) => Ops.MseLoss(input, target);
    public static Tensor L1Loss(Tensor input, Tensor target) => Ops.L1Loss(input, target);

    /// <summary>F.pad: <paramref name="pad"/> lists (before, after) pairs from the last dimension backwards.</summary>
    public static Tensor Pad(Tensor input, long[] pad, PadMode mode = PadMode.Constant, double value = 0) =>
        Ops.Pad(input, pad, mode.ToString().ToLowerInvariant(), mode == PadMode.Constant ? value : null);

    public static Tensor AvgPool3d(Tensor input, long[] kernelSize, long[]? stride = null, long[]? padding = null, bool ceilMode = false,
                                   bool countIncludePad = true) =>
        Ops.AvgPool3d(input, kernelSize, stride ?? kernelSize, padding, ceilMode, countIncludePad);

    public static Tensor AvgPool2d(Tensor input, long[] kernelSize, long[]? stride = null, long[]? padding = null, bool ceilMode = false,
                                   bool countIncludePad = true) =>
        Ops.AvgPool2d(input, kernelSize, stride ?? kernelSize, padding, ceilMode, countIncludePad);

    /// <summary>
    /// F.interpolate for (B, C, spatial...) input: give an output size or scale factors (one per
    /// spatial dim). Nearest uses PyTorch's legacy "nearest" rule; linear modes respect alignCorners.
    /// </summary>
    public static Tensor Interpolate(Tensor input, long[]? size = null, double[]? scaleFactor = null,
                                     InterpolationMode mode = InterpolationMode.Nearest, bool alignCorners = false)
    {
        if ((size is null) == (scaleFactor is null)) throw new ArgumentException("interpolate needs exactly one of size and scaleFactor");
        int spatial = input.Dim - 2;
        if ((size?.Length ?? scaleFactor!.Length) != spatial)
            throw new ArgumentException($"interpolate of a {input.Dim}-d input needs {spatial} sizes or scale factors");
        return (mode, spatial) switch
        {
            (InterpolationMode.Nearest, 3) => Ops.UpsampleNearest3dVec(input, size, scaleFactor),
            (InterpolationMode.Nearest, 2) => Ops.UpsampleNearest2dVec(input, size, scaleFactor),
            (InterpolationMode.Nearest, 1) => Ops.UpsampleNearest1dVec(input, size, scaleFactor),
            (InterpolationMode.Linear, 3) => Ops.UpsampleTrilinear3dVec(input, size, alignCorners, scaleFactor),
            (InterpolationMode.Linear, 2) => Ops.UpsampleBilinear2dVec(input, size, alignCorners, scaleFactor),
            (InterpolationMode.Linear, 1) => Ops.UpsampleLinear1dVec(input, size, alignCorners, scaleFactor),
            _ => throw new ArgumentException($"interpolate: {mode} on {spatial} spatial dims is not supported"),
        };
    }

    /// <summary>F.grid_sample: samples input at grid locations in [-1, 1] (x, y[, z] order, as PyTorch).</summary>
    public static Tensor GridSample(Tensor input, Tensor grid, GridSampleMode mode = GridSampleMode.Bilinear,
                                    GridSamplePadding padding = GridSamplePadding.Zeros, bool alignCorners = false) =>
        Ops.GridSampler(input, grid, (long)mode, (long)padding, alignCorners);

    private static readonly OpHandle FusedAttention = new("aten::scaled_dot_product_attention", "",
        "aten::scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, Tensor? attn_mask=None, float dropout_p=0., bool is_causal=False) -> Tensor");
    private static int s_fallbackNoticed;

    /// <summary>Whether this libtorch has fused attention (2.x); otherwise attention runs as explicit softmax.</summary>
    public static bool HasFusedAttention => FusedAttention.IsAvailable;

    /// <summary>
    /// softmax(Q K^T / sqrt(d)) V over (..., L, d) tensors. Uses libtorch's fused kernel where it
    /// exists and the explicit form otherwise (libtorch 1.13), saying so once on stderr.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? mask = null)
    {
        if (HasFusedAttention)
        {
            var call = new OpCall(FusedAttention, stackalloc NativeValue[4]);
            call.Tensor(0, query);
            call.Tensor(1, key);
            call.Tensor(2, value);
            call.OptionalTensor(3, mask);
            var result = call.Invoke(stackalloc NativeValue[1]).Tensor(0);
            GC.KeepAlive(query);
            GC.KeepAlive(key);
            GC.KeepAlive(value);
            GC.KeepAlive(mask);
            return result;
        }
        if (Interlocked.Exchange(ref s_fallbackNoticed, 1) == 0)
            Console.Error.WriteLine($"braingen: libtorch {Torch.Version} has no fused attention; using explicit softmax attention");
        return ExplicitAttention(query, key, value, mask);
    }

    /// <summary>The reference form of attention; a boolean mask keeps positions that are true.</summary>
    public static Tensor ExplicitAttention(Tensor query, Tensor key, Tensor value, Tensor? mask = null)
    {
        using var scope = Torch.NewDisposeScope();
        double scale = 1.0 / Math.Sqrt(query.Size(-1));
        var scores = (query * scale).MatMul(key.Transpose(-2, -1));  // (..., Lq, Lk)
        if (mask is not null)
            scores = mask.DType == DType.Bool ? scores.MaskedFill(Ops.LogicalNot(mask), double.NegativeInfinity) : scores + mask;
        return Softmax(scores, -1).MatMul(value).MoveToOuterScope();  // (..., Lq, d)
    }
}

public enum PadMode { Constant, Reflect, Replicate, Circular }
public enum InterpolationMode { Nearest, Linear }
public enum GridSampleMode : long { Bilinear = 0, Nearest = 1, Bicubic = 2 }
public enum GridSamplePadding : long { Zeros = 0, Border = 1, Reflection = 2 }
