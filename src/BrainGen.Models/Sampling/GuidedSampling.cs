using BrainGen.Models.Schedulers;
using BrainGen.Torch;

namespace BrainGen.Models.Sampling;

/// <summary>
/// The denoiser as the sampling loop sees it: noisy latents (B, C, *spatial), timesteps (B,) and
/// normalized covariate rows (B, K) (or null for an unconditional model) -> the model output.
/// How rows become concat channels or cross-attention context is the denoiser's business.
/// </summary>
public delegate Tensor Denoiser(Tensor latents, Tensor timesteps, Tensor? covariates);

public static class GuidedSampling
{
    /// <summary>
    /// The largest guidance scale accepted. Scales in use are a few units to a few tens (Stable
    /// Diffusion's default is 7.5); far beyond that w(ε_c − ε_u) is dominated by the float32 error
    /// of the difference, and around 1e30 it overflows to Inf/NaN.
    /// </summary>
    public const double MaxGuidanceScale = 100;

    /// <summary>
    /// Runs the reverse process from <paramref name="noise"/>. With covariates and a guidance scale
    /// w ≠ 1, each step evaluates the conditional and the unconditional (null-covariate) inputs in one
    /// batch and uses ε_u + w(ε_c − ε_u) (classifier-free guidance, Ho and Salimans 2022).
    /// Every step runs in its own dispose scope, so memory stays flat over any number of steps.
    /// </summary>
    public static Tensor Sample(Denoiser denoiser, IScheduler scheduler, Tensor noise, Tensor? covariates, double guidanceScale = 1,
                                double nullValue = -1, Generator? generator = null, Action<int, int>? progress = null)
    {
        using var noGrad = Torch.Torch.NoGrad();
        var x = noise.Alias().DetachFromScope();
        try
        {
            for (int i = 0; i < scheduler.Timesteps.Count; i++)
            {
                using var scope = Torch.Torch.NewDisposeScope();
                var output = Predict(denoiser, x, scheduler.Timesteps[i], covariates, guidanceScale, nullValue);
                var next = scheduler.Step(output, i, x, generator).PreviousSample.DetachFromScope();
                x.Dispose();
                x = next;
                progress?.Invoke(i + 1, scheduler.Timesteps.Count);
            }
            var result = x.Alias();
            return result;
        }
        finally
        {
            x.Dispose();
        }
    }

    /// <summary>One guided model evaluation at timestep t.</summary>
    public static Tensor Predict(Denoiser denoiser, Tensor x, double timestep, Tensor? covariates, double guidanceScale, double nullValue = -1)
    {
        long batch = x.Size(0);
        if (covariates is null || guidanceScale == 1)
            return denoiser(x, Tensor.Full([batch], timestep, DType.Float32, x.Device), covariates);

        using var scope = Torch.Torch.NewDisposeScope();
        var unconditional = Tensor.Full(covariates.Shape, nullValue, covariates.DType, covariates.Device);
        var both = denoiser(Tensor.Cat([x, x]), Tensor.Full([2 * batch], timestep, DType.Float32, x.Device),
                            Tensor.Cat([covariates, unconditional]));
        var halves = both.Chunk(2);
        var (conditional, uncond) = (halves[0], halves[1]);
        return (uncond + guidanceScale * (conditional - uncond)).MoveToOuterScope();
    }
}
