using System.Text.Json;
using System.Text.Json.Serialization;
using BrainGen.Imaging;
using BrainGen.Models.Autoencoders;
using BrainGen.Models.Conditioning;
using BrainGen.Models.Diffusion;
using BrainGen.Models.Sampling;
using BrainGen.Models.Schedulers;
using BrainGen.Torch;
using BrainGen.Torch.Serialization;

namespace BrainGen.Pipelines.Generation;

/// <summary>The image grid a model generates: shape and voxel size (mm) of a RAS+ volume, and the intensity range it was trained on.</summary>
public sealed record ImageGeometry
{
    public int[] Shape { get; init; } = [160, 224, 160];
    public double[] Spacing { get; init; } = [1, 1, 1];
    public double IntensityMin { get; init; }
    public double IntensityMax { get; init; } = 1;

    /// <summary>An explicit voxel -> world matrix (16 values, row major); by default a RAS+ grid centred on the origin.</summary>
    public double[]? AffineRowMajor { get; init; }

    public Affine Affine() => AffineRowMajor is { } m ? Imaging.Affine.FromRowMajor(m) : Imaging.Affine.FromSpacing(Spacing[0], Spacing[1], Spacing[2],
        -Spacing[0] * (Shape[0] - 1) / 2.0, -Spacing[1] * (Shape[1] - 1) / 2.0, -Spacing[2] * (Shape[2] - 1) / 2.0);
}

/// <summary>Everything a model folder's model.json holds besides the weights.</summary>
public sealed record LatentDiffusionModelConfig
{
    public const string CurrentFormat = "braingen-ldm/1";

    public string Format { get; init; } = CurrentFormat;
    public string Name { get; init; } = "brain-ldm";
    public required AutoencoderKLConfig Autoencoder { get; init; }
    public required DiffusionUNetConfig UNet { get; init; }
    public SchedulerConfig Scheduler { get; init; } = new();
    public ConditioningSpec Conditioning { get; init; } = new();
    public ImageGeometry Image { get; init; } = new();

    /// <summary>Latents are multiplied by this before diffusion (1/std of training latents; 1 for the MONAI bundle).</summary>
    public double ScaleFactor { get; init; } = 1;

    /// <summary>Checks that the parts fit together: conditioning channels and context against the UNet.</summary>
    public LatentDiffusionModelConfig Validate(string source)
    {
        Autoencoder.Validate();
        UNet.Validate();
        int k = Conditioning.Count;
        int expectedIn = Autoencoder.LatentChannels + (Conditioning.Concat ? k : 0);
        if (UNet.InChannels != expectedIn)
            throw new InvalidDataException($"{source}: the UNet takes {UNet.InChannels} input channels; latents ({Autoencoder.LatentChannels}) plus concatenated covariates ({(Conditioning.Concat ? k : 0)}) make {expectedIn}");
        if (UNet.OutChannels != Autoencoder.LatentChannels)
            throw new InvalidDataException($"{source}: the UNet predicts {UNet.OutChannels} channels for {Autoencoder.LatentChannels}-channel latents");
        if (Conditioning.CrossAttention && k > 0 && UNet.CrossAttentionDim != k)
            throw new InvalidDataException($"{source}: cross-attention over {k} covariates needs cross_attention_dim {k}, the UNet has {UNet.CrossAttentionDim}");
        if (Image.Shape.Length != Autoencoder.SpatialDims || Image.Spacing.Length != Autoencoder.SpatialDims)
            throw new InvalidDataException($"{source}: image shape and spacing need {Autoencoder.SpatialDims} entries");
        if (Image.Shape.Any(s => s % Autoencoder.DownsamplingFactor != 0))
            throw new InvalidDataException($"{source}: image shape [{string.Join(", ", Image.Shape)}] is not divisible by the autoencoder's downsampling factor {Autoencoder.DownsamplingFactor}");
        ValidateNumbers(source);
        return this;
    }

    // Values that would make every sample NaN or Inf without any error: refused when the model is read.
    private void ValidateNumbers(string source)
    {
        try { Scheduler.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{source}: scheduler: {e.Message}", e); }
        // Latents are divided by it before decoding: 0 gives Inf, NaN poisons every voxel.
        if (!(double.IsFinite(ScaleFactor) && ScaleFactor > 0))
            throw new InvalidDataException($"{source}: scale_factor must be a positive finite number (1/std of the training latents), got {ScaleFactor:R}");
        if (Image.Spacing.Any(s => !(double.IsFinite(s) && s > 0)))
            throw new InvalidDataException($"{source}: image spacing [{string.Join(", ", Image.Spacing)}] needs positive finite voxel sizes");
        if (!(double.IsFinite(Image.IntensityMin) && double.IsFinite(Image.IntensityMax)))
            throw new InvalidDataException($"{source}: image intensity range [{Image.IntensityMin}, {Image.IntensityMax}] is not finite");
        if (Image.AffineRowMajor is { } affine && (affine.Length != 16 || !affine.All(double.IsFinite)))
            throw new InvalidDataException($"{source}: image affine_row_major needs 16 finite values");
        if (!double.IsFinite(Conditioning.NullValue))
            throw new InvalidDataException($"{source}: conditioning null_value must be finite, got {Conditioning.NullValue:R}");
        foreach (var c in Conditioning.Covariates.Where(c => !c.IsCategorical))
            if (!(double.IsFinite(c.Min) && double.IsFinite(c.Max) && c.Max > c.Min))
                throw new InvalidDataException($"{source}: covariate '{c.Name}' has the range [{c.Min:R}, {c.Max:R}]; it needs finite min < max");
    }
}

/// <summary>
/// A trained latent diffusion model: autoencoder, denoising UNet, noise schedule, conditioning and
/// image geometry. On disk it is a folder: model.json, autoencoder.safetensors, unet.safetensors,
/// MODEL_CARD.md; <see cref="Save"/> writes a new folder next to the target and renames it into
/// place, so a reader never sees half a model.
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

    public LatentDiffusionModel(LatentDiffusionModelConfig config, AutoencoderKL autoencoder, DiffusionUNet unet)
    {
        Config = config;
        Autoencoder = autoencoder;
        UNet = unet;
    }

    public LatentDiffusionModelConfig Config { get; }
    public AutoencoderKL Autoencoder { get; }
    public DiffusionUNet UNet { get; }
    public ConditioningSpec Conditioning => Config.Conditioning;

    /// <summary>(1, latent channels, *latent spatial) for one subject.</summary>
    public long[] LatentShape => Autoencoder.LatentShape([1, Config.Autoencoder.InChannels, .. Config.Image.Shape.Select(s => (long)s)]);

    public static LatentDiffusionModelConfig ReadConfig(string folder)
    {
        var path = Path.Combine(folder, "model.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"{folder}: not a BrainGen model folder (no model.json)", path);
        LatentDiffusionModelConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<LatentDiffusionModelConfig>(BoundedFile.ReadAllText(path, BoundedFile.ConfigBytes, "model.json"), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        if (config is null) throw new InvalidDataException($"{path}: empty model description");
        if (config.Format != LatentDiffusionModelConfig.CurrentFormat)
            throw new InvalidDataException($"{path}: format '{config.Format}' is not {LatentDiffusionModelConfig.CurrentFormat}");
        return config.Validate(path);
    }

    public static LatentDiffusionModel Load(string folder, Device? device = null)
    {
        var config = ReadConfig(folder);
        var aePath = Path.Combine(folder, "autoencoder.safetensors");
        var unetPath = Path.Combine(folder, "unet.safetensors");
        AutoencoderKL? autoencoder = null;
        try
        {
            autoencoder = AutoencoderKL.FromCheckpoint(config.Autoencoder, SafeTensors.Load(aePath), aePath);
            var unet = new DiffusionUNet(config.UNet);
            try
            {
                unet.LoadCheckpoint(SafeTensors.Load(unetPath), unetPath);
                unet.Eval();
            }
            catch
            {
                unet.Dispose();
                throw;
            }
            var model = new LatentDiffusionModel(config, autoencoder, unet);
            if (device is { } d) model.To(d);
            return model;
        }
        catch
        {
            autoencoder?.Dispose();
            throw;
        }
    }

    public LatentDiffusionModel To(Device device)
    {
        Autoencoder.To(device);
        UNet.To(device);
        return this;
    }

    public void Save(string folder, string? modelCard = null)
    {
        var target = Path.GetFullPath(folder);
        var staging = target.TrimEnd(Path.DirectorySeparatorChar) + $".partial-{Environment.ProcessId}";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        SafeTensors.Save(Path.Combine(staging, "autoencoder.safetensors"), Autoencoder.StateDictToHost());
        SafeTensors.Save(Path.Combine(staging, "unet.safetensors"), UNet.StateDictToHost());
        File.WriteAllText(Path.Combine(staging, "model.json"), JsonSerializer.Serialize(Config, Json));
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

    /// <summary>The UNet as the sampler calls it: covariate rows become concat channels and/or a (B, 1, K) context.</summary>
    public Denoiser Denoiser() => (latents, timesteps, rows) =>
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var spec = Config.Conditioning;
        var input = latents;
        Tensor? context = null;
        if (!spec.IsUnconditional)
        {
            rows ??= Tensor.Full([latents.Size(0), spec.Count], spec.NullValue, latents.DType, latents.Device);
            if (spec.Concat) input = Tensor.Cat([latents, ConditioningSpec.ConcatChannels(rows.To(latents.DType), latents.Shape[2..])], 1);
            if (spec.CrossAttention) context = ConditioningSpec.Context(rows.To(latents.DType));
        }
        return UNet.Forward(input, timesteps, context).MoveToOuterScope();
    };

    /// <summary>Latents (1, C, *latent) in diffusion scale -> an image volume on the model's grid and intensity range.</summary>
    public Volume DecodeToVolume(Tensor latents, SlabDecodeOptions? slabs = null)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        using var noGrad = Torch.Torch.NoGrad();
        var z = latents / Config.ScaleFactor;
        var image = slabs is null ? Autoencoder.Decode(z) : Autoencoder.Decode(z, slabs);
        return VolumeTensor.ToVolume(image.Select(0, 0).Select(0, 0), Config.Image.Affine());  // (X, Y, Z)
    }

    public void Dispose()
    {
        Autoencoder.Dispose();
        UNet.Dispose();
    }
}
