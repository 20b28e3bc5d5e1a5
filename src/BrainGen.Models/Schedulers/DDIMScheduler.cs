using BrainGen.Torch;

namespace BrainGen.Models.Schedulers;

/// <summary>
/// Denoising diffusion implicit models (Song, Meng and Ermon 2021), eq. 12: deterministic for
/// η = 0, DDPM-like noise for η = 1. Same arguments and arithmetic as MONAI's DDIMScheduler.
/// </summary>
public sealed class DDIMScheduler : DiscreteScheduler
{
    private readonly int _stepsOffset;

    public DDIMScheduler(NoiseSchedule schedule, PredictionType predictionType = PredictionType.Epsilon, bool clipSample = true,
                         bool setAlphaToOne = true, int stepsOffset = 0, double eta = 0, float clipSampleMin = -1, float clipSampleMax = 1)
        : base(schedule, predictionType)
    {
        if (clipSampleMin >= clipSampleMax) throw new ArgumentException("clipSampleMin must be below clipSampleMax");
        // η interpolates between deterministic DDIM (0) and DDPM's posterior noise (1); above 1, σ_t² can exceed 1 − ᾱ_prev and the direction term is √(negative).
        if (!(eta >= 0 && eta <= MaxEta)) throw new ArgumentException($"eta must be in [0, {MaxEta}] (0: deterministic DDIM, 1: DDPM-like noise), got {eta:R}");
        ClipSample = clipSample;
        // ᾱ used past the last step: 1 (a clean sample) or ᾱ_0, as MONAI's set_alpha_to_one.
        FinalAlphaCumprod = setAlphaToOne ? 1f : schedule.AlphasCumprod[0];
        _stepsOffset = stepsOffset;
        Eta = eta;
        (ClipMin, ClipMax) = (clipSampleMin, clipSampleMax);
        SetTimesteps(schedule.Length);
    }

    /// <summary>The largest η of the DDIM paper's family (η = 1 is DDPM's noise level).</summary>
    public const double MaxEta = 1;

    public bool ClipSample { get; }
    public float FinalAlphaCumprod { get; }
    public double Eta { get; }
    public float ClipMin { get; }
    public float ClipMax { get; }
    protected override int StepsOffset => _stepsOffset;

    public override SchedulerStep Step(Tensor modelOutput, int stepIndex, Tensor sample, Generator? generator = null)
    {
        int t = CheckStep(stepIndex);
        int prev = t - NumTrainTimesteps / NumInferenceSteps;
        float alphaProd = Schedule.AlphasCumprod[t];
        float alphaProdPrev = prev >= 0 ? Schedule.AlphasCumprod[prev] : FinalAlphaCumprod;

        using var scope = Torch.Torch.NewDisposeScope();
        var (original, epsilon) = Predictions(modelOutput, sample, alphaProd);
        if (ClipSample) original = original.Clamp(ClipMin, ClipMax);

        // σ_t² = (1−ᾱ_prev)/(1−ᾱ_t) · (1 − ᾱ_t/ᾱ_prev), scaled by η.
        float variance = (1f - alphaProdPrev) / (1f - alphaProd) * (1f - alphaProd / alphaProdPrev);
        float stdDev = (float)Eta * MathF.Sqrt(variance);
        var direction = MathF.Sqrt(1f - alphaProdPrev - stdDev * stdDev) * epsilon;
        var previous = MathF.Sqrt(alphaProdPrev) * original + direction;
        if (Eta > 0) previous = previous + stdDev * Tensor.Randn(modelOutput.Shape, generator, modelOutput.DType, modelOutput.Device);
        return new SchedulerStep(previous.MoveToOuterScope(), original.MoveToOuterScope());
    }
}
