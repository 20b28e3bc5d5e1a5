using BrainGen.Models.Schedulers;
using BrainGen.Torch;

namespace BrainGen.Models.Sampling;

/// <summary>
/// The denoiser as the sampling loop sees it: noisy latents (B, C, *spatial), timesteps (B,) and
/// normalized covariate rows (B, K) (or null for an unconditional model) -> the model output.
/// How rows become concat channels or cross-attention context is the denoiser's business.
/// </summary>
public delegate Tensor Denoiser(Tensor latents, Tensor timesteps, Tensor? covariates);

/// <summary>
/// <see cref="Denoiser"/> with a (B,) bool mask of the rows whose covariates are given (null: every
/// row): the rows not given are the unconditional ones. <c>IDenoiser.Predict</c> has this shape.
/// </summary>
public delegate Tensor GivenMaskDenoiser(Tensor latents, Tensor timesteps, Tensor? covariates, Tensor? given);

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
                                double nullValue = -1, Generator? generator = null, Action<int, int>? progress = null) =>
        Sample(IgnoringMask(denoiser), scheduler, noise, covariates, guidanceScale, nullValue, generator, progress);

    /// <summary>
    /// <see cref="Sample(Denoiser, IScheduler, Tensor, Tensor?, double, double, Generator?, Action{int, int}?)"/> for a
    /// denoiser that takes the given-mask: the unconditional half of each guided batch is marked not given.
    /// </summary>
    public static Tensor Sample(GivenMaskDenoiser denoiser, IScheduler scheduler, Tensor noise, Tensor? covariates, double guidanceScale = 1,
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
    public static Tensor Predict(Denoiser denoiser, Tensor x, double timestep, Tensor? covariates, double guidanceScale, double nullValue = -1) =>
        Predict(IgnoringMask(denoiser), x, timestep, covariates, guidanceScale, nullValue);

    /// <summary>One guided evaluation of a given-mask denoiser: conditional rows given, the unconditional (null-valued) rows not.</summary>
    public static Tensor Predict(GivenMaskDenoiser denoiser, Tensor x, double timestep, Tensor? covariates, double guidanceScale, double nullValue = -1)
    {
        long batch = x.Size(0);
        if (covariates is null || guidanceScale == 1)
            return denoiser(x, Tensor.Full([batch], timestep, DType.Float32, x.Device), covariates, null);

        using var scope = Torch.Torch.NewDisposeScope();
        var unconditional = Tensor.Full(covariates.Shape, nullValue, covariates.DType, covariates.Device);
        var given = Tensor.Cat([Tensor.Full([batch], 1.0, DType.Bool, x.Device), Tensor.Full([batch], 0.0, DType.Bool, x.Device)]);  // (2B,)
        var both = denoiser(Tensor.Cat([x, x]), Tensor.Full([2 * batch], timestep, DType.Float32, x.Device),
                            Tensor.Cat([covariates, unconditional]), given);
        var halves = both.Chunk(2);
        var (conditional, uncond) = (halves[0], halves[1]);
        return (uncond + guidanceScale * (conditional - uncond)).MoveToOuterScope();
    }

    private static GivenMaskDenoiser IgnoringMask(Denoiser denoiser) => (latents, timesteps, covariates, _) => denoiser(latents, timesteps, covariates);
}
