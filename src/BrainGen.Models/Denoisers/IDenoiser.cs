using BrainGen.Torch;
using BrainGen.Torch.NN;

namespace BrainGen.Models.Denoisers;

/// <summary>
/// Stage 2 of a latent diffusion model: predicts the scheduler's model output (ε, v or x0) from noisy
/// latents, timesteps and covariates. How covariates enter (concat channels, cross-attention, an
/// embedding added to the timestep embedding) is the denoiser's business. Implementations:
/// <see cref="UNetDenoiser"/> (kind "unet") and <see cref="Dit"/> (kind "dit"). See docs/generation.md.
/// </summary>
public interface IDenoiser : IDisposable
{
    /// <summary>The kind as model.json names it ("unet", "dit").</summary>
    string Kind { get; }

    /// <summary>The network, for devices, train/eval mode, optimizers, EMA and state dicts.</summary>
    Module Network { get; }

    /// <summary>Channels of the latents it denoises (and predicts).</summary>
    int LatentChannels { get; }

    /// <summary>
    /// (B, C, *S) noisy latents, (B,) or (1,) timesteps, (B, K) normalized covariates (null: no row
    /// conditioned) and a (B,) bool mask of rows whose covariates are given (null: every row; a row
    /// not given is the classifier-free-guidance unconditional) -> (B, C, *S).
    /// </summary>
    Tensor Predict(Tensor latents, Tensor timesteps, Tensor? covariates, Tensor? given);
}
