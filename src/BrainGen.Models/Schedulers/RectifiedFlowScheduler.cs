using BrainGen.Torch;

namespace BrainGen.Models.Schedulers;

/// <summary>
/// Rectified flow (Liu, Gong and Liu 2023; as used by MAISI): x_t = (1 − t/T) x₀ + (t/T) ε, the
/// network predicts the velocity x₀ − ε, and sampling integrates it with Euler steps from t = T to
/// 0. Timesteps are rounded through float16 as MONAI's RFlowScheduler stores them, so step sizes
/// match MONAI exactly; the optional resolution-dependent timestep shift is MONAI's
/// timestep_transform (which, as in MONAI, ignores any transform scale).
/// </summary>
public sealed class RectifiedFlowScheduler : IScheduler
{
    private double[] _timesteps = [];

    public RectifiedFlowScheduler(int numTrainTimesteps = 1000, bool useDiscreteTimesteps = true, bool useTimestepTransform = false,
                                  long baseImageNumel = 32 * 32 * 32, int spatialDims = 3)
    {
        if (numTrainTimesteps < 1) throw new ArgumentOutOfRangeException(nameof(numTrainTimesteps));
        NumTrainTimesteps = numTrainTimesteps;
        UseDiscreteTimesteps = useDiscreteTimesteps;
        UseTimestepTransform = useTimestepTransform;
        BaseImageNumel = baseImageNumel;
        SpatialDims = spatialDims;
    }

    public int NumTrainTimesteps { get; }
    public PredictionType PredictionType => PredictionType.VPrediction;
    public bool UseDiscreteTimesteps { get; }
    public bool UseTimestepTransform { get; }
    public long BaseImageNumel { get; }
    public int SpatialDims { get; }

    /// <summary>Voxels of the (latent) image, for the timestep transform; set before <see cref="SetTimesteps(int)"/>.</summary>
    public long ImageNumel { get; set; } = 32 * 32 * 32;

    public int NumInferenceSteps { get; private set; }
    public IReadOnlyList<double> Timesteps => _timesteps;

    public void SetTimesteps(int numInferenceSteps)
    {
        if (numInferenceSteps < 1 || numInferenceSteps > NumTrainTimesteps)
            throw new ArgumentOutOfRangeException(nameof(numInferenceSteps), $"steps must be in 1..{NumTrainTimesteps}, got {numInferenceSteps}");
        NumInferenceSteps = numInferenceSteps;
        _timesteps = Enumerable.Range(0, numInferenceSteps).Select(i =>
        {
            double t = (1.0 - (double)i / numInferenceSteps) * NumTrainTimesteps;
            if (UseDiscreteTimesteps) t = Math.Round(t, MidpointRounding.ToEven);
            if (UseTimestepTransform) t = TimestepTransform(t, ImageNumel, BaseImageNumel, NumTrainTimesteps, SpatialDims);
            double half = (double)(Half)t;  // MONAI keeps timesteps as float16
            return UseDiscreteTimesteps ? Math.Truncate(half) : half;
        }).ToArray();
    }

    /// <summary>t' = r·t / (1 + (r − 1)·t) on t/T, with r = (numel / base)^(1/dims): more steps at high noise for big volumes.</summary>
    public static double TimestepTransform(double t, long imageNumel, long baseNumel, int numTrainTimesteps, int spatialDims)
    {
        t /= numTrainTimesteps;
        double ratio = Math.Pow((double)imageNumel / baseNumel, 1.0 / spatialDims);
        return ratio * t / (1 + (ratio - 1) * t) * numTrainTimesteps;
    }

    public SchedulerStep Step(Tensor modelOutput, int stepIndex, Tensor sample, Generator? generator = null)
    {
        if (NumInferenceSteps == 0) throw new InvalidOperationException("call SetTimesteps before Step");
        if (stepIndex < 0 || stepIndex >= _timesteps.Length) throw new ArgumentOutOfRangeException(nameof(stepIndex));
        double t = _timesteps[stepIndex];
        double next = stepIndex + 1 < _timesteps.Length ? _timesteps[stepIndex + 1] : 0;
        // MONAI truncates the next timestep to an integer and subtracts in the timesteps' own
        // precision (float16 unless discrete).
        double difference = t - Math.Truncate(next);
        double dt = (UseDiscreteTimesteps ? difference : (double)(Half)difference) / NumTrainTimesteps;
        using var scope = Torch.Torch.NewDisposeScope();
        var nextSample = sample + modelOutput * dt;
        var original = sample + modelOutput * t / NumTrainTimesteps;
        return new SchedulerStep(nextSample.MoveToOuterScope(), original.MoveToOuterScope());
    }

    public Tensor AddNoise(Tensor original, Tensor noise, Tensor timesteps)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var shape = new long[original.Dim];
        Array.Fill(shape, 1L);
        shape[0] = -1;
        var keep = (1.0 - timesteps.To(original.Device, DType.Float32) / NumTrainTimesteps).Reshape(shape);  // (B, 1, ...)
        return (keep * original + (1.0 - keep) * noise).MoveToOuterScope();
    }

    /// <summary>The velocity x₀ − ε the network learns.</summary>
    public Tensor TrainingTarget(Tensor original, Tensor noise, Tensor timesteps) => original - noise;

    /// <summary>Training timesteps uniform on [0, T) (truncated to integers when discrete).</summary>
    public Tensor SampleTrainingTimesteps(long batch, Generator? generator = null)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var t = Tensor.Rand([batch], generator) * NumTrainTimesteps;
        return (UseDiscreteTimesteps ? t.To(DType.Int64) : t).MoveToOuterScope();
    }
}
