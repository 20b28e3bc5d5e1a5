using System.Text.Json;
using System.Text.Json.Serialization;
using BrainGen.Imaging;
using BrainGen.Models.Tokenizers;
using BrainGen.Models.Conditioning;
using BrainGen.Models.Denoisers;
using BrainGen.Models.Sampling;
using BrainGen.Models.Schedulers;
using BrainGen.Torch;
using BrainGen.Torch.Serialization;

namespace BrainGen.Pipelines.Generation;

/// <summary>
/// A trained latent diffusion model: a tokenizer (stage 1), a denoiser (stage 2), noise schedule,
/// conditioning and image geometry. On disk it is a folder: model.json (<see cref="ModelFolderFormat"/>),
/// one weight file per part (<see cref="ModelParts"/>: autoencoder.safetensors, unet.safetensors or
/// dit.safetensors), MODEL_CARD.md; <see cref="Save"/> writes a new folder next to the target and
/// renames it into place, so a reader never sees half a model.
/// </summary>
public sealed class LatentDiffusionModel : IDisposable
{
    /// <summary>snake_case throughout, as MONAI's arguments and the part configs' own files.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>A model of any tokenizer and denoiser; it owns both.</summary>
    public LatentDiffusionModel(LatentDiffusionModelConfig config, ITokenizer tokenizer, IDenoiser denoiser)
    {
        Config = config;
        Tokenizer = tokenizer;
        DenoisingNetwork = denoiser;
    }

    /// <summary>The KL autoencoder and diffusion UNet pair (the MONAI bundle's).</summary>
    public LatentDiffusionModel(LatentDiffusionModelConfig config, AutoencoderKL autoencoder, DiffusionUNet unet)
        : this(config, autoencoder, new UNetDenoiser(unet, config.Conditioning)) { }

    public LatentDiffusionModelConfig Config { get; }
    public ITokenizer Tokenizer { get; }
    public IDenoiser DenoisingNetwork { get; }
    public ConditioningSpec Conditioning => Config.Conditioning;

    /// <summary>The tokenizer when it is the KL autoencoder.</summary>
    public AutoencoderKL Autoencoder => Tokenizer as AutoencoderKL
        ?? throw new InvalidOperationException($"the model's tokenizer is '{Tokenizer.Kind}', not {AutoencoderKL.TokenizerKind}");

    /// <summary>The denoiser's network when it is the diffusion UNet.</summary>
    public DiffusionUNet UNet => (DenoisingNetwork as UNetDenoiser)?.UNet
        ?? throw new InvalidOperationException($"the model's denoiser is '{DenoisingNetwork.Kind}', not {UNetDenoiser.DenoiserKind}");

    /// <summary>(1, latent channels, *latent spatial) for one subject.</summary>
    public long[] LatentShape => Tokenizer.LatentShape([1, Config.Autoencoder.InChannels, .. Config.Image.Shape.Select(s => (long)s)]);

    public static LatentDiffusionModelConfig ReadConfig(string folder)
    {
        var path = Path.Combine(folder, "model.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"{folder}: not a BrainGen model folder (no model.json)", path);
        return ModelFolderFormat.Read(BoundedFile.ReadAllText(path, BoundedFile.ConfigBytes, "model.json"), path).Validate(path);
    }

    public static LatentDiffusionModel Load(string folder, Device? device = null)
    {
        var config = ReadConfig(folder);
        var (tokenizer, denoiser) = ModelParts.Load(config, folder);
        var model = new LatentDiffusionModel(config, tokenizer, denoiser);
        if (device is { } d) model.To(d);
        return model;
    }

    public LatentDiffusionModel To(Device device)
    {
        Tokenizer.Network.To(device);
        DenoisingNetwork.Network.To(device);
        return this;
    }

    public void Save(string folder, string? modelCard = null)
    {
        var target = Path.GetFullPath(folder);
        var staging = target.TrimEnd(Path.DirectorySeparatorChar) + $".partial-{Environment.ProcessId}";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        SafeTensors.Save(Path.Combine(staging, ModelParts.TokenizerWeights(Config)), Tokenizer.Network.StateDictToHost());
        SafeTensors.Save(Path.Combine(staging, ModelParts.DenoiserWeights(Config)), DenoisingNetwork.Network.StateDictToHost());
        File.WriteAllText(Path.Combine(staging, "model.json"), ModelFolderFormat.Write(Config));
        File.WriteAllText(Path.Combine(staging, "MODEL_CARD.md"), modelCard ?? ModelCard.Describe(Config));
        if (Directory.Exists(target))
        {
            var old = target.TrimEnd(Path.DirectorySeparatorChar) + $".old-{Environment.ProcessId}";
            Directory.Move(target, old);
            Directory.Move(staging, target);
            Directory.Delete(old, recursive: true);
        }
        else
        {
            Directory.Move(staging, target);
        }
    }

    /// <summary>The denoiser as the sampler calls it, every row given (see <see cref="GuidedDenoiser"/> for the mask form).</summary>
    public Denoiser Denoiser() => (latents, timesteps, rows) => DenoisingNetwork.Predict(latents, timesteps, rows, null);

    /// <summary>The denoiser with its given-mask, for <see cref="GuidedSampling"/>: its unconditional rows are marked not given.</summary>
    public GivenMaskDenoiser GuidedDenoiser() => DenoisingNetwork.Predict;

    /// <summary>Latents (1, C, *latent) in diffusion scale -> an image volume on the model's grid and intensity range.</summary>
    public Volume DecodeToVolume(Tensor latents, SlabDecodeOptions? slabs = null)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        using var noGrad = Torch.Torch.NoGrad();
        var z = latents / Config.ScaleFactor;
        var image = slabs is null ? Tokenizer.Decode(z) : Autoencoder.Decode(z, slabs);
        return VolumeTensor.ToVolume(image.Select(0, 0).Select(0, 0), Config.Image.Affine());  // (X, Y, Z)
    }

    public void Dispose()
    {
        Tokenizer.Dispose();
        DenoisingNetwork.Dispose();
    }
}
