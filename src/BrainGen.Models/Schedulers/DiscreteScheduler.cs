using BrainGen.Torch;

namespace BrainGen.Models.Schedulers;

/// <summary>
/// What DDPM, DDIM and DPM-Solver share: a discrete noise schedule, the forward process
/// x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε and the training targets of each prediction type (MONAI's Scheduler base).
/// </summary>
public abstract class DiscreteScheduler : IScheduler
{
    protected DiscreteScheduler(NoiseSchedule schedule, PredictionType predictionType)
    {
        Schedule = schedule;
        PredictionType = predictionType;
        TimestepList = Enumerable.Range(0, schedule.Length).Reverse().Select(t => (double)t).ToArray();
    }

    public NoiseSchedule Schedule { get; }
    public int NumTrainTimesteps => Schedule.Length;
    public PredictionType PredictionType { get; }
    public int NumInferenceSteps { get; protected set; }
    public IReadOnlyList<double> Timesteps => TimestepList;
    protected double[] TimestepList { get; set; }

    /// <summary>Evenly spaced integer timesteps t_i = i · (T / n), noisiest first, plus an offset (MONAI/diffusers "leading").</summary>
    public virtual void SetTimesteps(int numInferenceSteps)
    {
        if (numInferenceSteps < 1 || numInferenceSteps > NumTrainTimesteps)
            throw new ArgumentOutOfRangeException(nameof(numInferenceSteps), $"steps must be in 1..{NumTrainTimesteps} (the training timesteps), got {numInferenceSteps}");
        NumInferenceSteps = numInferenceSteps;
        int ratio = NumTrainTimesteps / numInferenceSteps;
        TimestepList = Enumerable.Range(0, numInferenceSteps).Reverse().Select(i => (double)(i * ratio + StepsOffset)).ToArray();
    }

    protected virtual int StepsOffset => 0;

    public abstract SchedulerStep Step(Tensor modelOutput, int stepIndex, Tensor sample, Generator? generator = null);

    public Tensor AddNoise(Tensor original, Tensor noise, Tensor timesteps)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var (sqrtAlpha, sqrtOneMinus) = Coefficients(timesteps, original);
        return (sqrtAlpha * original + sqrtOneMinus * noise).MoveToOuterScope();
    }

    public Tensor TrainingTarget(Tensor original, Tensor noise, Tensor timesteps)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var target = PredictionType switch
        {
            PredictionType.Epsilon => noise.Alias(),
            PredictionType.Sample => original.Alias(),
            _ => Velocity(original, noise, timesteps),
        };
        return target.MoveToOuterScope();
    }

    /// <summary>v = √ᾱ_t ε − √(1−ᾱ_t) x₀ (MONAI get_velocity).</summary>
    public Tensor Velocity(Tensor sample, Tensor noise, Tensor timesteps)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var (sqrtAlpha, sqrtOneMinus) = Coefficients(timesteps, sample);
        return (sqrtAlpha * noise - sqrtOneMinus * sample).MoveToOuterScope();
    }

    // (B,) timesteps -> √ᾱ_t and √(1−ᾱ_t), each shaped (B, 1, ..., 1) like `like`.
    private (Tensor, Tensor) Coefficients(Tensor timesteps, Tensor like)
    {
        var cumprod = Tensor.FromArray(Schedule.AlphasCumprod, [Schedule.Length]).To(like.Device, like.DType);
        var selected = cumprod.Index(timesteps.To(like.Device, DType.Int64));
        var shape = new long[like.Dim];
        Array.Fill(shape, 1L);
        shape[0] = -1;
        return (selected.Pow(0.5).Reshape(shape), (1.0 - selected).Pow(0.5).Reshape(shape));
    }

    /// <summary>x₀ and ε from the model output at ᾱ_t, for each prediction type (DDIM paper eq. 12; Salimans and Ho 2022 for v).</summary>
    protected (Tensor Original, Tensor Epsilon) Predictions(Tensor modelOutput, Tensor sample, float alphaProd)
    {
        float betaProd = 1f - alphaProd;
        float sqrtAlpha = MathF.Sqrt(alphaProd), sqrtBeta = MathF.Sqrt(betaProd);
        return PredictionType switch
        {
            PredictionType.Epsilon => ((sample - sqrtBeta * modelOutput) / sqrtAlpha, modelOutput.Alias()),
            PredictionType.Sample => (modelOutput.Alias(), (sample - sqrtAlpha * modelOutput) / sqrtBeta),
            _ => (sqrtAlpha * sample - sqrtBeta * modelOutput, sqrtAlpha * modelOutput + sqrtBeta * sample),
        };
    }

    protected int CheckStep(int stepIndex)
    {
        if (NumInferenceSteps == 0) throw new InvalidOperationException("call SetTimesteps before Step");
        if (stepIndex < 0 || stepIndex >= TimestepList.Length)
            throw new ArgumentOutOfRangeException(nameof(stepIndex), $"step {stepIndex} of a {TimestepList.Length}-step schedule");
        return (int)TimestepList[stepIndex];
    }
}
