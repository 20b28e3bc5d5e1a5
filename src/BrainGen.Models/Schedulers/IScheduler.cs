using BrainGen.Torch;

namespace BrainGen.Models.Schedulers;

/// <summary>What the network predicts: the noise ε, the clean sample x₀, or the velocity v (Salimans and Ho 2022).</summary>
public enum PredictionType { Epsilon, Sample, VPrediction }

/// <summary>One reverse step: the sample at the next (less noisy) timestep and the predicted clean sample.</summary>
public readonly record struct SchedulerStep(Tensor PreviousSample, Tensor PredictedOriginal);

/// <summary>
/// A sampler over a trained noise schedule (the diffusers/MONAI protocol). The caller owns the loop:
/// <code>
/// scheduler.SetTimesteps(50);
/// for (int i = 0; i &lt; scheduler.Timesteps.Count; i++)
///     x = scheduler.Step(model(x, scheduler.Timesteps[i]), i, x).PreviousSample;
/// </code>
/// Steps are addressed by their index into <see cref="Timesteps"/>, which also lets multistep
/// samplers look at neighbouring timesteps.
/// </summary>
public interface IScheduler
{
    int NumTrainTimesteps { get; }

    PredictionType PredictionType { get; }

    /// <summary>The timesteps of the current inference schedule, noisiest first.</summary>
    IReadOnlyList<double> Timesteps { get; }

    void SetTimesteps(int numInferenceSteps);

    /// <summary>Reverse step number <paramref name="stepIndex"/> (timestep <c>Timesteps[stepIndex]</c>).</summary>
    SchedulerStep Step(Tensor modelOutput, int stepIndex, Tensor sample, Generator? generator = null);

    /// <summary>The forward process: noisy samples at per-sample timesteps (B,).</summary>
    Tensor AddNoise(Tensor original, Tensor noise, Tensor timesteps);

    /// <summary>The regression target for training at timesteps (B,), for this scheduler's prediction type.</summary>
    Tensor TrainingTarget(Tensor original, Tensor noise, Tensor timesteps);
}
