using BrainGen.Models.Tokenizers;
using BrainGen.Pipelines.Generation;
using BrainGen.Torch;
using BrainGen.Torch.Serialization;

namespace BrainGen.Pipelines.Evaluation;

/// <summary>
/// The default extractor when no MedicalNet weights are at hand: the encoder of the trained
/// tokenizer (any <see cref="ITokenizer"/>; today the KL autoencoder). Features of a volume are its
/// posterior mean mu (its latents where the kind has no posterior; latent channels L) pooled two ways and concatenated: globally per channel (L values, the image's
/// overall latent content) and over a 2×2×2 grid (8L values, so coarse position, e.g. ventricles
/// versus cortex, is kept). FIDs under this extractor are only comparable with others under the same
/// autoencoder, which the name records.
/// </summary>
public sealed class AutoencoderFeatureExtractor : IFeatureExtractor
{
    private readonly ITokenizer _autoencoder;
    private readonly Device _device;
    private readonly double _intensityMin, _intensityMax;

    /// <param name="intensityMin">the value the autoencoder was trained to see for 0 (the model's image geometry)</param>
    /// <param name="intensityMax">the value it was trained to see for 1</param>
    public AutoencoderFeatureExtractor(ITokenizer autoencoder, string modelName, double intensityMin = 0, double intensityMax = 1, Device? device = null)
    {
        _autoencoder = autoencoder;
        _device = device ?? Device.CPU;
        _autoencoder.Network.To(_device);
        _autoencoder.Network.Eval();
        (_intensityMin, _intensityMax) = (intensityMin, intensityMax);
        long latent = autoencoder.LatentChannels;
        Name = $"autoencoder-encoder({modelName})";
        Description = $"encoder of the {autoencoder.Kind} tokenizer '{modelName}': posterior mean, global average ({latent}) + 2x2x2 average ({8 * latent}) = {9 * latent} features";
    }

    public string Name { get; }
    public string Description { get; }

    /// <summary>
    /// Loads the tokenizer of a BrainGen model folder (model.json + its weights, e.g. autoencoder.safetensors) or
    /// the autoencoder of a MONAI brain-LDM bundle (configs/inference.json + models/autoencoder.pth); the denoiser is not read.
    /// </summary>
    public static AutoencoderFeatureExtractor Load(string folder, Device? device = null)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: model folder not found");
        if (File.Exists(Path.Combine(folder, "model.json")))
        {
            var config = LatentDiffusionModel.ReadConfig(folder);
            var weights = ModelParts.TokenizerWeights(config);
            var path = Path.Combine(folder, weights);
            if (!File.Exists(path)) throw new FileNotFoundException($"{folder}: no {weights}", path);
            var ae = ModelParts.CreateTokenizer(config, SafeTensors.Load(path), path);
            return new AutoencoderFeatureExtractor(ae, config.Name, config.Image.IntensityMin, config.Image.IntensityMax, device);
        }
        if (File.Exists(Path.Combine(folder, "configs", "inference.json")))
        {
            var description = MonaiBundle.Read(folder);
            var path = Path.Combine(folder, "models", "autoencoder.pth");
            if (!File.Exists(path)) throw new FileNotFoundException($"{folder}: no models/autoencoder.pth", path);
            var ae = AutoencoderKL.FromCheckpoint(description.Model.Autoencoder, PthFile.ReadStateDict(path), path);
            var image = description.Model.Image;
            return new AutoencoderFeatureExtractor(ae, description.Model.Name, image.IntensityMin, image.IntensityMax, device);
        }
        throw new InvalidDataException($"{folder}: neither a BrainGen model folder (model.json) nor a MONAI bundle (configs/inference.json)");
    }

    public Tensor Extract(Tensor volumes)
    {
        using var noGrad = Torch.Torch.NoGrad();
        using var scope = Torch.Torch.NewDisposeScope();
        var x = volumes.To(_device, DType.Float32) * (_intensityMax - _intensityMin) + _intensityMin;
        var encoding = _autoencoder.Encode(x);
        var mu = encoding.Mean ?? encoding.Latents;  // (B, L, *S/f)
        int dims = mu.Dim - 2;
        var spatial = Enumerable.Range(2, dims).Select(d => (long)d).ToArray();
        var global = mu.Mean(spatial);  // (B, L)
        var grid = Enumerable.Repeat(2L, dims).ToArray();
        var coarse = (dims == 3 ? Ops.AdaptiveAvgPool3d(mu, grid) : Ops.AdaptiveAvgPool2d(mu, grid)).Flatten(1);  // (B, L·2^dims)
        return Tensor.Cat([global, coarse], 1).To(Device.CPU).MoveToOuterScope();
    }

    public void Dispose() => _autoencoder.Dispose();
}
