using System.Text.Json;
using System.Text.Json.Serialization;
using BrainGen.Imaging;
using BrainGen.Models.Tokenizers;
using BrainGen.Models.Conditioning;
using BrainGen.Models.Denoisers;
using BrainGen.Models.Schedulers;
using BrainGen.Torch;

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

/// <summary>
/// Everything a model folder's model.json holds besides the weights: the tokenizer (today one kind,
/// the KL autoencoder) and exactly one denoiser (<see cref="UNet"/> or <see cref="Dit"/>) with their
/// configs, the noise schedule, conditioning, image geometry and latent scale factor. On disk
/// <see cref="ModelFolderFormat"/> writes "braingen-ldm/2" and reads version 1 too.
/// </summary>
public sealed record LatentDiffusionModelConfig
{
    public const string CurrentFormat = ModelFolderFormat.Version2;

    public string Format { get; init; } = CurrentFormat;
    public string Name { get; init; } = "brain-ldm";
    public required AutoencoderKLConfig Autoencoder { get; init; }
    /// <summary>The denoiser when it is the diffusion UNet (kind "unet"), else null.</summary>
    public DiffusionUNetConfig? UNet { get; init; }
    /// <summary>The denoiser when it is a DiT (kind "dit"), else null.</summary>
    public DitConfig? Dit { get; init; }
    public SchedulerConfig Scheduler { get; init; } = new();
    public ConditioningSpec Conditioning { get; init; } = new();
    public ImageGeometry Image { get; init; } = new();

    /// <summary>Latents are multiplied by this before diffusion (1/std of training latents; 1 for the MONAI bundle).</summary>
    public double ScaleFactor { get; init; } = 1;

    public string TokenizerKind => AutoencoderKL.TokenizerKind;
    public string DenoiserKind => Dit is not null ? BrainGen.Models.Denoisers.Dit.DenoiserKind : UNetDenoiser.DenoiserKind;

    /// <summary>The latent grid (spatial sizes) of one image: each size halves (rounding up) per autoencoder level.</summary>
    public long[] LatentGrid()
    {
        var s = Image.Shape.Select(n => (long)n).ToArray();
        for (int i = 1; i < Autoencoder.Levels; i++) s = s.Select(n => (n + 1) / 2).ToArray();
        return s;
    }

    /// <summary>Checks that the parts fit together: latent channels, grid and conditioning against the denoiser.</summary>
    public LatentDiffusionModelConfig Validate(string source)
    {
        Autoencoder.Validate();
        if ((UNet is null) == (Dit is null))
            throw new InvalidDataException($"{source}: a model needs exactly one denoiser (unet or dit), it has {(UNet is null ? "none" : "both")}");
        if (UNet is not null) ValidateUNet(UNet, source);
        if (Image.Shape.Length != Autoencoder.SpatialDims || Image.Spacing.Length != Autoencoder.SpatialDims)
            throw new InvalidDataException($"{source}: image shape and spacing need {Autoencoder.SpatialDims} entries");
        if (Image.Shape.Any(s => s % Autoencoder.DownsamplingFactor != 0))
            throw new InvalidDataException($"{source}: image shape [{string.Join(", ", Image.Shape)}] is not divisible by the autoencoder's downsampling factor {Autoencoder.DownsamplingFactor}");
        if (Dit is not null) ValidateDit(Dit, source);
        ValidateNumbers(source);
        return this;
    }

    private void ValidateUNet(DiffusionUNetConfig unet, string source)
    {
        unet.Validate();
        int k = Conditioning.Count;
        int expectedIn = Autoencoder.LatentChannels + (Conditioning.Concat ? k : 0);
        if (unet.InChannels != expectedIn)
            throw new InvalidDataException($"{source}: the UNet takes {unet.InChannels} input channels; latents ({Autoencoder.LatentChannels}) plus concatenated covariates ({(Conditioning.Concat ? k : 0)}) make {expectedIn}");
        if (unet.OutChannels != Autoencoder.LatentChannels)
            throw new InvalidDataException($"{source}: the UNet predicts {unet.OutChannels} channels for {Autoencoder.LatentChannels}-channel latents");
        if (Conditioning.CrossAttention && k > 0 && unet.CrossAttentionDim != k)
            throw new InvalidDataException($"{source}: cross-attention over {k} covariates needs cross_attention_dim {k}, the UNet has {unet.CrossAttentionDim}");
    }

    private void ValidateDit(DitConfig dit, string source)
    {
        try { dit.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{source}: denoiser: {e.Message}", e); }
        if (dit.InChannels != Autoencoder.LatentChannels)
            throw new InvalidDataException($"{source}: the DiT takes {dit.InChannels} input channels; the tokenizer's latents have {Autoencoder.LatentChannels}");
        if (dit.SpatialDims != Autoencoder.SpatialDims)
            throw new InvalidDataException($"{source}: the DiT is {dit.SpatialDims}D, the tokenizer's latents are {Autoencoder.SpatialDims}D");
        var grid = LatentGrid();
        if (!dit.LatentShape.SequenceEqual(grid))
            throw new InvalidDataException($"{source}: the DiT's input_size [{string.Join(", ", dit.LatentShape)}] is not the latent grid [{string.Join(", ", grid)}] of images [{string.Join(", ", Image.Shape)}]");
        if (dit.LearnSigma)
            throw new InvalidDataException($"{source}: the DiT has learn_sigma=true; BrainGen's samplers and trainer use a fixed variance (learn_sigma=false)");
        if (dit.NumCovariates != Conditioning.Count)
            throw new InvalidDataException($"{source}: the DiT embeds {dit.NumCovariates} covariates, the conditioning has {Conditioning.Count}");
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

