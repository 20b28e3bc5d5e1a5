using System.Text.Json.Serialization;

namespace BrainGen.Models.Schedulers;

/// <summary>The reverse-process samplers: DDIM, DDPM, rectified-flow Euler, DPM-Solver++(2M).</summary>
public enum SamplerKind { Ddim, Ddpm, RectifiedFlow, DpmSolver }

/// <summary>
/// The noise process a model was trained with and the sampler to run it with, saved with the model
/// (snake_case keys as MONAI's scheduler arguments). Training and sampling build their schedulers
/// from it, so both see the same schedule.
/// </summary>
public sealed record SchedulerConfig
{
    [JsonPropertyName("num_train_timesteps")] public int NumTrainTimesteps { get; init; } = 1000;
    [JsonPropertyName("schedule")] public BetaSchedule Schedule { get; init; } = BetaSchedule.ScaledLinearBeta;
    [JsonPropertyName("beta_start")] public double BetaStart { get; init; } = 0.0015;
    [JsonPropertyName("beta_end")] public double BetaEnd { get; init; } = 0.0205;
    [JsonPropertyName("prediction_type")] public PredictionType PredictionType { get; init; } = PredictionType.Epsilon;
    [JsonPropertyName("clip_sample")] public bool ClipSample { get; init; }

    /// <summary>True for a rectified-flow model (velocity x₀ − ε); otherwise a discrete DDPM schedule.</summary>
    [JsonPropertyName("rectified_flow")] public bool RectifiedFlow { get; init; }

    /// <summary>The MONAI brain-LDM bundle's DDIM scheduler.</summary>
    public static SchedulerConfig BrainLdm => new();

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when the values cannot give finite samples: timesteps
    /// outside 1..<see cref="Schedulers.NoiseSchedule.MaxTrainTimesteps"/>, or (discrete models) β_start/β_end
    /// outside (0, 1) or a schedule whose β or ᾱ leaves (0, 1). Builds the schedule once to check it.
    /// </summary>
    public SchedulerConfig Validate()
    {
        if (NumTrainTimesteps is < 1 or > Schedulers.NoiseSchedule.MaxTrainTimesteps)
            throw new ArgumentException($"num_train_timesteps must be in 1..{Schedulers.NoiseSchedule.MaxTrainTimesteps} (got {NumTrainTimesteps})");
        if (!RectifiedFlow) NoiseSchedule();
        return this;
    }

    public NoiseSchedule NoiseSchedule() => Schedulers.NoiseSchedule.Create(Schedule, NumTrainTimesteps, BetaStart, BetaEnd);

    /// <summary>
    /// A sampler for this model: DDIM (η), DDPM or DPM-Solver++(2M) for discrete models (DPM-Solver++
    /// with diffusers' defaults: linspace spacing, which starts at the noisiest timestep T−1);
    /// rectified flow models only use Euler.
    /// </summary>
    public IScheduler CreateSampler(SamplerKind kind, double eta = 0, long latentNumel = 32 * 32 * 32, int spatialDims = 3)
    {
        if (RectifiedFlow)
        {
            if (kind != SamplerKind.RectifiedFlow) throw new ArgumentException($"this model was trained with rectified flow: use --sampler rflow, not {kind.Name()}");
            return new RectifiedFlowScheduler(NumTrainTimesteps, spatialDims: spatialDims) { ImageNumel = latentNumel };
        }
        return kind switch
        {
            SamplerKind.Ddim => new DDIMScheduler(NoiseSchedule(), PredictionType, ClipSample, eta: eta),
            SamplerKind.Ddpm => new DDPMScheduler(NoiseSchedule(), PredictionType, clipSample: ClipSample),
            SamplerKind.DpmSolver => new DpmSolverMultistepScheduler(NoiseSchedule(), PredictionType),
            _ => throw new ArgumentException("rectified-flow sampling needs a model trained with rectified flow"),
        };
    }
}
