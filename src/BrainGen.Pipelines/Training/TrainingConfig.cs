using BrainGen.Models.Tokenizers;
using BrainGen.Models.Schedulers;

namespace BrainGen.Pipelines.Training;

/// <summary>
/// The image preprocessing a model is trained with and saved with: canonical RAS+ orientation,
/// resampling to <see cref="Spacing"/>, centred crop/pad to <see cref="Shape"/>, then intensity
/// normalization into [0, 1] ("percentile": clip to the two percentiles, "minmax", or "none").
/// </summary>
public sealed record PreprocessingConfig
{
    public double[] Spacing { get; init; } = [1, 1, 1];
    public int[] Shape { get; init; } = [160, 224, 160];
    public string Normalization { get; init; } = "percentile";
    public double PercentileLow { get; init; } = 0.5;
    public double PercentileHigh { get; init; } = 99.5;

    public void Validate(List<string> errors)
    {
        if (Spacing is not { Length: 3 } || Spacing.Any(s => !(s > 0))) errors.Add("data.preprocessing.spacing needs 3 positive values (mm)");
        if (Shape is not { Length: 3 } || Shape.Any(s => s < 1)) errors.Add("data.preprocessing.shape needs 3 positive sizes");
        if (Normalization is not ("percentile" or "minmax" or "none"))
            errors.Add($"data.preprocessing.normalization must be percentile, minmax or none (got '{Normalization}')");
        if (!(PercentileLow >= 0 && PercentileLow < PercentileHigh && PercentileHigh <= 100))
            errors.Add($"data.preprocessing.percentile_low and percentile_high need 0 <= low < high <= 100 (got {PercentileLow}, {PercentileHigh})");
    }
}

/// <summary>Random augmentation of stage-1 inputs, drawn from a generator seeded per sample (see <see cref="DataOrder"/>).</summary>
public sealed record AugmentationConfig
{
    /// <summary>Probability of mirroring each listed axis (0 = x, left-right in RAS+).</summary>
    public double FlipProbability { get; init; } = 0.5;
    public int[] FlipAxes { get; init; } = [0];

    /// <summary>Uniform additive shift in [-s, s] and multiplicative scale in [1-s, 1+s] of the normalized intensities.</summary>
    public double IntensityShift { get; init; } = 0.05;
    public double IntensityScale { get; init; } = 0.05;

    public void Validate(List<string> errors)
    {
        if (!InRange(FlipProbability, 0, 1)) errors.Add($"data.augmentation.flip_probability must be in [0, 1] (got {FlipProbability})");
        if (FlipAxes.Any(a => a is < 0 or > 2)) errors.Add($"data.augmentation.flip_axes must be 0, 1 or 2 (got [{string.Join(", ", FlipAxes)}])");
        // A scale of 1 or more could flip or zero the image's sign; a shift beyond 1 moves it off the [0, 1] range.
        if (!(IntensityScale >= 0 && IntensityScale < 1)) errors.Add($"data.augmentation.intensity_scale must be in [0, 1) (got {IntensityScale})");
        if (!InRange(IntensityShift, 0, 1)) errors.Add($"data.augmentation.intensity_shift must be in [0, 1] (got {IntensityShift})");
    }

    internal static bool InRange(double value, double min, double max) => value >= min && value <= max;  // false for NaN
}

public sealed record DataConfig
{
    /// <summary>BIDS root (e.g. a `braingen phantom` cohort); the command line's --data overrides it.</summary>
    public string Root { get; init; } = "";
    public string Modality { get; init; } = "T1w";

    /// <summary>Use at most this many images (0: all), in BIDS order.</summary>
    public int MaxImages { get; init; }
    public PreprocessingConfig Preprocessing { get; init; } = new();
    public AugmentationConfig Augmentation { get; init; } = new();
}

/// <summary>Optimization and bookkeeping shared by both stages.</summary>
public sealed record OptimizationConfig
{
    public long Steps { get; init; } = 1000;
    public int BatchSize { get; init; } = 1;
    public double LearningRate { get; init; } = 1e-4;
    public double MinLearningRate { get; init; }
    public long WarmupSteps { get; init; } = 100;
    public double WeightDecay { get; init; }

    /// <summary>Global gradient-norm clip (0: off).</summary>
    public double GradClip { get; init; } = 1.0;

    /// <summary>EMA decay of the weights that are exported (0: export the raw weights).</summary>
    public double EmaDecay { get; init; } = 0.999;

    /// <summary>Run forward passes under bfloat16 autocast on the training device (losses stay float32).</summary>
    public bool Bf16 { get; init; }
    public long CheckpointEvery { get; init; } = 100;
    public int KeepCheckpoints { get; init; } = 2;
    public long PreviewEvery { get; init; } = 100;
    public long LogEvery { get; init; } = 10;

    /// <summary>
    /// The largest learning rate accepted: Adam/AdamW move each weight by about the learning rate a
    /// step, so beyond 1 a network on [0, 1] images diverges at once (the default here is 1e-4).
    /// </summary>
    public const double MaxLearningRate = 1;

    public void Validate(List<string> errors)
    {
        if (Steps < 1) errors.Add($"training.steps must be at least 1 (got {Steps})");
        if (BatchSize < 1) errors.Add($"training.batch_size must be at least 1 (got {BatchSize})");
        if (!(LearningRate > 0 && LearningRate <= MaxLearningRate))
            errors.Add($"training.learning_rate must be in (0, {MaxLearningRate}] (got {LearningRate})");
        if (!(MinLearningRate >= 0 && MinLearningRate <= LearningRate))
            errors.Add($"training.min_learning_rate must be in [0, learning_rate] (got {MinLearningRate})");
        if (WarmupSteps < 0 || WarmupSteps > Steps) errors.Add($"training.warmup_steps must be in 0..steps (got {WarmupSteps})");
        if (!AugmentationConfig.InRange(WeightDecay, 0, 1)) errors.Add($"training.weight_decay must be in [0, 1] (got {WeightDecay})");
        if (!(GradClip >= 0 && double.IsFinite(GradClip))) errors.Add($"training.grad_clip must be 0 (off) or a positive finite norm (got {GradClip})");
        if (!(EmaDecay >= 0 && EmaDecay < 1)) errors.Add($"training.ema_decay must be in [0, 1) (got {EmaDecay})");
        if (CheckpointEvery < 1 || PreviewEvery < 1 || LogEvery < 1) errors.Add("training.checkpoint_every, preview_every and log_every must be at least 1");
        if (KeepCheckpoints < 1) errors.Add("training.keep_checkpoints must be at least 1");
    }
}

/// <summary>MONAI PatchDiscriminator arguments (GM 3D LDM tutorial: 3 layers, 32 channels).</summary>
public sealed record DiscriminatorConfig
{
    public int Layers { get; init; } = 3;
    public int Channels { get; init; } = 32;
    /// <summary>"batch" (MONAI's default) or "instance".</summary>
    public string Norm { get; init; } = "batch";
    public double LearningRate { get; init; } = 1e-4;
}

/// <summary>Stage-1 losses (GM 3D LDM tutorial defaults): L1 + KL, optional perceptual, least-squares PatchGAN after a warm-up.</summary>
public sealed record AutoencoderLossConfig
{
    public double KlWeight { get; init; } = 1e-6;

    /// <summary>0 turns the adversarial term (and the discriminator) off.</summary>
    public double AdversarialWeight { get; init; } = 0.01;
    public long AdvWarmupSteps { get; init; } = 500;
    public DiscriminatorConfig Discriminator { get; init; } = new();
    public double PerceptualWeight { get; init; } = 0.001;

    /// <summary>A MedicalNet 3D ResNet (10/18/34) as safetensors; without one the perceptual term is skipped.</summary>
    public string? PerceptualNetwork { get; init; }

    public void Validate(List<string> errors)
    {
        foreach (var (name, weight) in new[] { ("kl_weight", KlWeight), ("adversarial_weight", AdversarialWeight), ("perceptual_weight", PerceptualWeight) })
            if (!(weight >= 0 && double.IsFinite(weight))) errors.Add($"loss.{name} must be a finite number >= 0 (got {weight})");
        if (AdvWarmupSteps < 0) errors.Add($"loss.adv_warmup_steps must be at least 0 (got {AdvWarmupSteps})");
        if (Discriminator.Norm is not ("batch" or "instance")) errors.Add($"loss.discriminator.norm must be batch or instance (got '{Discriminator.Norm}')");
        if (Discriminator.Layers < 1 || Discriminator.Channels < 1) errors.Add("loss.discriminator.layers and channels must be at least 1");
        if (!(Discriminator.LearningRate > 0 && Discriminator.LearningRate <= OptimizationConfig.MaxLearningRate))
            errors.Add($"loss.discriminator.learning_rate must be in (0, {OptimizationConfig.MaxLearningRate}] (got {Discriminator.LearningRate})");
    }
}

/// <summary>The autoencoder architecture (AutoencoderKL arguments; defaults suit 1 mm brains on a GPU).</summary>
public sealed record AutoencoderModelConfig
{
    public int[] Channels { get; init; } = [32, 64, 64];
    public int[] NumResBlocks { get; init; } = [1, 1, 1];
    public bool[] AttentionLevels { get; init; } = [false, false, false];
    public int LatentChannels { get; init; } = 3;
    public int NormNumGroups { get; init; } = 32;
    public bool WithEncoderNonLocalAttention { get; init; }
    public bool WithDecoderNonLocalAttention { get; init; }

    public AutoencoderKLConfig ToModelConfig() => new()
    {
        SpatialDims = 3, InChannels = 1, OutChannels = 1, LatentChannels = LatentChannels, Channels = Channels,
        NumResBlocks = NumResBlocks, AttentionLevels = AttentionLevels, NormNumGroups = NormNumGroups,
        WithEncoderNonLocalAttention = WithEncoderNonLocalAttention, WithDecoderNonLocalAttention = WithDecoderNonLocalAttention,
    };
}

/// <summary>`braingen train autoencoder`: everything one stage-1 run needs, saved resolved as config.yaml.</summary>
public sealed record AutoencoderRunConfig
{
    public ulong Seed { get; init; }
    public string Device { get; init; } = "cpu";
    public DataConfig Data { get; init; } = new();
    public AutoencoderModelConfig Model { get; init; } = new();
    public AutoencoderLossConfig Loss { get; init; } = new();
    public OptimizationConfig Training { get; init; } = new();

    public AutoencoderRunConfig Validate(string source)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Data.Root)) errors.Add("data.root is empty (give --data or set it in the config)");
        Data.Preprocessing.Validate(errors);
        Data.Augmentation.Validate(errors);
        Training.Validate(errors);
        Loss.Validate(errors);
        try
        {
            var ae = Model.ToModelConfig().Validate();
            if (Data.Preprocessing.Shape.Any(s => s % ae.DownsamplingFactor != 0))
                errors.Add($"data.preprocessing.shape [{string.Join(", ", Data.Preprocessing.Shape)}] must be divisible by the autoencoder's downsampling factor {ae.DownsamplingFactor}");
        }
        catch (ArgumentException e) { errors.Add("model: " + e.Message); }
        if (errors.Count > 0) throw new InvalidDataException($"{source}: {string.Join("; ", errors)}");
        return this;
    }
}

/// <summary>Which covariates condition the UNet and how; CFG training drops them with <see cref="Dropout"/>.</summary>
public sealed record ConditioningConfig
{
    /// <summary>participants.tsv columns, e.g. age, sex, brain_volume_ml, ventricle_volume_ml.</summary>
    public string[] Covariates { get; init; } = [];
    public bool CrossAttention { get; init; } = true;
    public bool Concat { get; init; }
    public double Dropout { get; init; } = 0.1;
    public double NullValue { get; init; } = -1;
}

/// <summary>
/// The denoiser architecture: <c>denoiser: unet</c> (DiffusionModelUNet arguments) or <c>denoiser: dit</c>
/// (the DiT keys patch_size, hidden_size, depth, num_heads, mlp_ratio). Channels in/out, the DiT's
/// input_size and the number of covariates come from the latents and the conditioning.
/// </summary>
public sealed record UNetModelConfig
{
    public const string UNet = "unet";
    public const string Dit = "dit";

    /// <summary>"unet" or "dit" (<c>braingen train diffusion --denoiser</c>).</summary>
    public string Denoiser { get; init; } = UNet;

    // DiT (Peebles and Xie 2023); defaults are DiT-S with patch 2.
    public int PatchSize { get; init; } = 2;
    public int HiddenSize { get; init; } = 384;
    public int Depth { get; init; } = 12;
    public int NumHeads { get; init; } = 6;
    public double MlpRatio { get; init; } = 4.0;

    // DiffusionModelUNet
    public int[] NumChannels { get; init; } = [64, 128, 128];
    public int[] NumResBlocks { get; init; } = [1];
    public bool[] AttentionLevels { get; init; } = [false, true, true];
    public int[] NumHeadChannels { get; init; } = [32];
    public int NormNumGroups { get; init; } = 32;
    public int TransformerNumLayers { get; init; } = 1;
}

/// <summary>The noise process (GM 3D LDM tutorial: DDPM, 1000 steps, scaled-linear β 0.0015..0.0195, ε prediction).</summary>
public sealed record NoiseConfig
{
    public int NumTrainTimesteps { get; init; } = 1000;
    public string Schedule { get; init; } = "scaled_linear_beta";
    public double BetaStart { get; init; } = 0.0015;
    public double BetaEnd { get; init; } = 0.0195;
    public string PredictionType { get; init; } = "epsilon";
    public bool RectifiedFlow { get; init; }

    public SchedulerConfig ToSchedulerConfig() => new()
    {
        NumTrainTimesteps = NumTrainTimesteps, BetaStart = BetaStart, BetaEnd = BetaEnd, RectifiedFlow = RectifiedFlow,
        Schedule = Schedule switch
        {
            "linear_beta" => BetaSchedule.LinearBeta, "scaled_linear_beta" => BetaSchedule.ScaledLinearBeta,
            "sigmoid_beta" => BetaSchedule.SigmoidBeta, "cosine" => BetaSchedule.Cosine,
            _ => throw new ArgumentException($"noise.schedule must be linear_beta, scaled_linear_beta, sigmoid_beta or cosine (got '{Schedule}')"),
        },
        PredictionType = PredictionType switch
        {
            "epsilon" => Models.Schedulers.PredictionType.Epsilon, "sample" => Models.Schedulers.PredictionType.Sample,
            "v_prediction" => Models.Schedulers.PredictionType.VPrediction,
            _ => throw new ArgumentException($"noise.prediction_type must be epsilon, sample or v_prediction (got '{PredictionType}')"),
        },
    };
}

/// <summary>`braingen train diffusion`: stage 2 on cached latents of a stage-1 autoencoder; saved resolved as config.yaml.</summary>
public sealed record DiffusionRunConfig
{
    public ulong Seed { get; init; }
    public string Device { get; init; } = "cpu";
    public string Name { get; init; } = "brain-ldm";

    /// <summary>A stage-1 run folder, an exported autoencoder folder, or a model folder; --autoencoder overrides it.</summary>
    public string Autoencoder { get; init; } = "";
    public DataConfig Data { get; init; } = new();

    /// <summary>Train on fresh posterior samples mu + sigma·eps each step (true) or on the cached means (false).</summary>
    public bool SampleLatents { get; init; }
    public ConditioningConfig Conditioning { get; init; } = new();
    public UNetModelConfig Model { get; init; } = new();
    public NoiseConfig Noise { get; init; } = new();
    public OptimizationConfig Training { get; init; } = new();

    /// <summary>DDIM steps for the preview samples.</summary>
    public int PreviewSamplingSteps { get; init; } = 20;

    public DiffusionRunConfig Validate(string source)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Data.Root)) errors.Add("data.root is empty (give --data or set it in the config)");
        if (string.IsNullOrWhiteSpace(Autoencoder)) errors.Add("autoencoder is empty (give --autoencoder or set it in the config)");
        Training.Validate(errors);
        if (!AugmentationConfig.InRange(Conditioning.Dropout, 0, 1)) errors.Add($"conditioning.dropout must be in [0, 1] (got {Conditioning.Dropout})");
        // The unconditional input must be a value no normalized covariate takes inside its training range [0, 1].
        if (!double.IsFinite(Conditioning.NullValue) || AugmentationConfig.InRange(Conditioning.NullValue, 0, 1))
            errors.Add($"conditioning.null_value must be finite and outside [0, 1], the normalized training range (got {Conditioning.NullValue})");
        if (Conditioning.Covariates.Length > 0 && !Conditioning.CrossAttention && !Conditioning.Concat)
            errors.Add("conditioning: covariates need cross_attention and/or concat");
        if (PreviewSamplingSteps < 1) errors.Add("preview_sampling_steps must be at least 1");
        if (Model.Denoiser is not (UNetModelConfig.UNet or UNetModelConfig.Dit)) errors.Add($"model.denoiser must be unet or dit (got '{Model.Denoiser}')");
        try { Noise.ToSchedulerConfig().Validate(); }
        catch (ArgumentException e) { errors.Add("noise: " + e.Message); }
        if (errors.Count > 0) throw new InvalidDataException($"{source}: {string.Join("; ", errors)}");
        return this;
    }
}
