using BrainGen.Models.Denoisers;
using BrainGen.Models.Tokenizers;
using BrainGen.Torch.Serialization;

namespace BrainGen.Pipelines.Generation;

/// <summary>
/// The registry of part kinds a model folder may name: for each, its weight file and how to build
/// it from a <see cref="LatentDiffusionModelConfig"/> and those weights. A new tokenizer or denoiser
/// plugs in here (and in <see cref="ModelFolderFormat"/> for its config); see docs/generation.md.
/// </summary>
public static class ModelParts
{
    private sealed record Kind(string WeightFile, Func<LatentDiffusionModelConfig, IReadOnlyDictionary<string, BrainGen.Torch.HostTensor>?, string, object> Build);

    private static readonly Dictionary<string, Kind> Tokenizers = new(StringComparer.Ordinal)
    {
        [AutoencoderKL.TokenizerKind] = new("autoencoder.safetensors", (c, weights, source) =>
            weights is null ? new AutoencoderKL(c.Autoencoder) : AutoencoderKL.FromCheckpoint(c.Autoencoder, weights, source)),
    };

    private static readonly Dictionary<string, Kind> Denoisers = new(StringComparer.Ordinal)
    {
        [UNetDenoiser.DenoiserKind] = new("unet.safetensors", (c, weights, source) =>
        {
            var unet = new DiffusionUNet(c.UNet!);
            try
            {
                if (weights is not null) unet.LoadCheckpoint(weights, source);
                unet.Eval();
                return new UNetDenoiser(unet, c.Conditioning);
            }
            catch
            {
                unet.Dispose();
                throw;
            }
        }),
        [Dit.DenoiserKind] = new("dit.safetensors", (c, weights, source) =>
        {
            var dit = new Dit(c.Dit!);
            try
            {
                if (weights is not null) dit.LoadCheckpoint(weights, source);
                dit.Eval();
                return dit;
            }
            catch
            {
                dit.Dispose();
                throw;
            }
        }),
    };

    public static IReadOnlyCollection<string> TokenizerKinds => Tokenizers.Keys;
    public static IReadOnlyCollection<string> DenoiserKinds => Denoisers.Keys;

    public static void RequireTokenizer(string kind, string source)
    {
        if (!Tokenizers.ContainsKey(kind))
            throw new InvalidDataException($"{source}: unknown tokenizer kind '{kind}' (known: {string.Join(", ", Tokenizers.Keys)})");
    }

    public static void RequireDenoiser(string kind, string source)
    {
        if (!Denoisers.ContainsKey(kind))
            throw new InvalidDataException($"{source}: unknown denoiser kind '{kind}' (known: {string.Join(", ", Denoisers.Keys)})");
    }

    /// <summary>The weight file of the tokenizer in a model folder (e.g. autoencoder.safetensors).</summary>
    public static string TokenizerWeights(LatentDiffusionModelConfig config) => Tokenizers[config.TokenizerKind].WeightFile;

    /// <summary>The weight file of the denoiser in a model folder (unet.safetensors, dit.safetensors).</summary>
    public static string DenoiserWeights(LatentDiffusionModelConfig config) => Denoisers[config.DenoiserKind].WeightFile;

    /// <summary>The tokenizer of <paramref name="config"/>, with <paramref name="weights"/> loaded strictly (null: freshly initialized).</summary>
    public static ITokenizer CreateTokenizer(LatentDiffusionModelConfig config, IReadOnlyDictionary<string, BrainGen.Torch.HostTensor>? weights = null, string source = "state dict") =>
        (ITokenizer)Tokenizers[config.TokenizerKind].Build(config, weights, source);

    /// <summary>The denoiser of <paramref name="config"/>, with <paramref name="weights"/> loaded strictly (null: freshly initialized, in eval mode).</summary>
    public static IDenoiser CreateDenoiser(LatentDiffusionModelConfig config, IReadOnlyDictionary<string, BrainGen.Torch.HostTensor>? weights = null, string source = "state dict") =>
        (IDenoiser)Denoisers[config.DenoiserKind].Build(config, weights, source);

    /// <summary>Both parts read from a model folder's weight files.</summary>
    public static (ITokenizer Tokenizer, IDenoiser Denoiser) Load(LatentDiffusionModelConfig config, string folder)
    {
        var tokenizerPath = Path.Combine(folder, TokenizerWeights(config));
        var denoiserPath = Path.Combine(folder, DenoiserWeights(config));
        var tokenizer = CreateTokenizer(config, SafeTensors.Load(tokenizerPath), tokenizerPath);
        try
        {
            return (tokenizer, CreateDenoiser(config, SafeTensors.Load(denoiserPath), denoiserPath));
        }
        catch
        {
            tokenizer.Dispose();
            throw;
        }
    }
}
