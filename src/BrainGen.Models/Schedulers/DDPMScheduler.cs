using BrainGen.Torch;

namespace BrainGen.Models.Schedulers;

/// <summary>How DDPM draws the reverse-step noise: β̃_t (posterior, clamped at 1e-20) or β_t (Ho et al. 2020, §3.2).</summary>
public enum DDPMVarianceType { FixedSmall, FixedLarge }

/// <summary>
/// Denoising diffusion probabilistic models (Ho, Jain and Abbeel 2020): ancestral sampling with the
/// posterior q(x_{t−1} | x_t, x₀) of eq. 6-7. Same arguments and arithmetic as MONAI's DDPMScheduler.
/// </summary>
public sealed class DDPMScheduler : DiscreteScheduler
{
    public DDPMScheduler(NoiseSchedule schedule, PredictionType predictionType = PredictionType.Epsilon,
                         DDPMVarianceType varianceType = DDPMVarianceType.FixedSmall, bool clipSample = true,
                         float clipSampleMin = -1, float clipSampleMax = 1)
        : base(schedule, predictionType)
    {
        if (clipSampleMin >= clipSampleMax) throw new ArgumentException("clipSampleMin must be below clipSampleMax");
        VarianceType = varianceType;
        ClipSample = clipSample;
        (ClipMin, ClipMax) = (clipSampleMin, clipSampleMax);
    }

    public DDPMVarianceType VarianceType { get; }
    public bool ClipSample { get; }
    public float ClipMin { get; }
    public float ClipMax { get; }

    public override SchedulerStep Step(Tensor modelOutput, int stepIndex, Tensor sample, Generator? generator = null)
    {
        int t = NumInferenceSteps == 0 ? (int)TimestepList[stepIndex] : CheckStep(stepIndex);
        float alphaProd = Schedule.AlphasCumprod[t];
        float alphaProdPrev = t > 0 ? Schedule.AlphasCumprod[t - 1] : 1f;
        float betaProd = 1f - alphaProd, betaProdPrev = 1f - alphaProdPrev;

        using var scope = Torch.Torch.NewDisposeScope();
        var original = Predictions(modelOutput, sample, alphaProd).Original;
        if (ClipSample) original = original.Clamp(ClipMin, ClipMax);

        // Posterior mean coefficients, eq. 7.
        float originalCoefficient = MathF.Sqrt(alphaProdPrev) * Schedule.Betas[t] / betaProd;
        float sampleCoefficient = MathF.Sqrt(Schedule.Alphas[t]) * betaProdPrev / betaProd;
        var previous = originalCoefficient * original + sampleCoefficient * sample;
        if (t > 0)
        {
            var noise = Tensor.Randn(modelOutput.Shape, generator, modelOutput.DType, modelOutput.Device);
            previous = previous + MathF.Sqrt(Variance(t, alphaProd, alphaProdPrev)) * noise;
        }
        return new SchedulerStep(previous.MoveToOuterScope(), original.MoveToOuterScope());
    }

    private float Variance(int t, float alphaProd, float alphaProdPrev)
    {
        float posterior = (1f - alphaProdPrev) / (1f - alphaProd) * Schedule.Betas[t];
        return VarianceType == DDPMVarianceType.FixedSmall ? MathF.Max(posterior, 1e-20f) : Schedule.Betas[t];
    }
}
