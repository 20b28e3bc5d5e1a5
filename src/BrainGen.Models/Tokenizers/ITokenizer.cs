using BrainGen.Torch;
using BrainGen.Torch.NN;

namespace BrainGen.Models.Tokenizers;

/// <summary>
/// Stage 1 of a latent diffusion model: images to latents and back. A latent is a grid
/// (B, C, *S/f) or a token sequence (B, T, C), whatever the kind makes; the denoiser is built for
/// its shape. Implementations: <see cref="AutoencoderKL"/> (kind "autoencoder_kl"). See docs/generation.md.
/// </summary>
public interface ITokenizer : IDisposable
{
    /// <summary>The kind as model.json names it (e.g. "autoencoder_kl").</summary>
    string Kind { get; }

    /// <summary>The network, for devices, train/eval mode and state dicts (parameter names are the checkpoint's).</summary>
    Module Network { get; }

    /// <summary>Channels of the latent (the denoiser's input channels before any conditioning channels).</summary>
    int LatentChannels { get; }

    /// <summary>The intensity range it expects images in and decodes to (its preprocessing's output range).</summary>
    (double Min, double Max) IntensityRange { get; }

    /// <summary>The latent's shape for a batch of images of <paramref name="imageShape"/> (B, C, *S).</summary>
    long[] LatentShape(long[] imageShape);

    /// <summary>
    /// (B, C, *S) images in <see cref="IntensityRange"/> -> latents, with the posterior's mean and
    /// log-variance where the kind has them. With a <paramref name="generator"/> a stochastic
    /// tokenizer samples its posterior; without, the latents are its mean.
    /// </summary>
    TokenizerEncoding Encode(Tensor images, TokenizerSideInformation? side = null, Generator? generator = null);

    /// <summary>Latents (as <see cref="Encode"/> makes them, no diffusion scale factor) -> (B, C, *S) images.</summary>
    Tensor Decode(Tensor latents, TokenizerSideInformation? side = null);
}

/// <summary>
/// What a tokenizer kind may need besides the image: the modality it shows and acquisition
/// parameters (e.g. "tr_ms", "te_ms", "ti_ms"). Kinds that need none ignore it.
/// </summary>
public sealed record TokenizerSideInformation
{
    public string? Modality { get; init; }
    public IReadOnlyDictionary<string, double> AcquisitionParameters { get; init; } = new Dictionary<string, double>();
}

/// <summary>The latents of an encoded batch, and the posterior statistics (same shape) where the kind has them. Owns its tensors.</summary>
public sealed class TokenizerEncoding(Tensor latents, Tensor? mean = null, Tensor? logVariance = null) : IDisposable
{
    public Tensor Latents { get; } = latents;
    public Tensor? Mean { get; } = mean;
    public Tensor? LogVariance { get; } = logVariance;

    public void Dispose()
    {
        Latents.Dispose();
        Mean?.Dispose();
        LogVariance?.Dispose();
    }
}
