using BrainGen.Torch;

namespace BrainGen.Pipelines.Evaluation;

/// <summary>
/// Voxel-wise reconstruction errors as MONAI's <c>MAEMetric</c>, <c>MSEMetric</c> and <c>PSNRMetric</c>
/// (<c>compute_mean_error_metrics</c>): each is averaged over channels and space, one value per batch
/// element. PSNR = 20 log10(max) - 10 log10(MSE) (the peak signal-to-noise ratio as in Wang et al. 2004,
/// §I), with max the data range of the images.
/// </summary>
public static class ErrorMetrics
{
    /// <summary>Mean absolute error per batch element, shape (B).</summary>
    public static Tensor MeanAbsoluteError(Tensor prediction, Tensor target) => MeanOf(prediction, target, squared: false);

    /// <summary>Mean squared error per batch element, shape (B).</summary>
    public static Tensor MeanSquaredError(Tensor prediction, Tensor target) => MeanOf(prediction, target, squared: true);

    /// <summary>PSNR in dB per batch element, shape (B); identical images give +inf, as in MONAI.</summary>
    public static Tensor PeakSignalToNoiseRatio(Tensor prediction, Tensor target, double maxValue = 1.0)
    {
        if (maxValue <= 0) throw new ArgumentException($"PSNR: the data range must be positive, got {maxValue}");
        using var scope = Torch.Torch.NewDisposeScope();
        var mse = MeanSquaredError(prediction, target);
        return (20 * Math.Log10(maxValue) - 10 * Ops.Log10(mse)).MoveToOuterScope();
    }

    private static Tensor MeanOf(Tensor prediction, Tensor target, bool squared)
    {
        if (!prediction.Shape.SequenceEqual(target.Shape))
            throw new ArgumentException($"images differ in shape, [{string.Join(", ", prediction.Shape)}] vs [{string.Join(", ", target.Shape)}]");
        if (prediction.Dim < 2) throw new ArgumentException("errors need a batch dimension and at least one more");
        using var scope = Torch.Torch.NewDisposeScope();
        var diff = target - prediction;
        var e = squared ? diff.Square() : diff.Abs();
        return e.Flatten(1).Mean(1).MoveToOuterScope();
    }
}
