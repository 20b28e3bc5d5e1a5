using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using BrainGen.Models.Tokenizers;
using BrainGen.Models.Conditioning;
using BrainGen.Models.Denoisers;
using BrainGen.Models.Schedulers;
using BrainGen.Torch.Serialization;
using BrainGen.Imaging;

namespace BrainGen.Pipelines.Generation;

/// <summary>
/// Runs a MONAI brain-LDM bundle folder as its own sampler does: network arguments, scheduler,
/// noise shape, inference steps and default conditioning from <c>configs/inference.json</c>,
/// weights from <c>models/autoencoder.pth</c> and <c>models/diffusion_model.pth</c>. The four
/// covariates (gender, age, ventricular volume, brain volume, each already in [0, 1]) go in both
/// as extra input channels and as the cross-attention context; DDIM, no latent scale factor.
/// </summary>
public static partial class MonaiBundle
{
    /// <summary>The bundle saver's affine (LAS, 1 mm), moved to the uncropped 160×224×160 grid (its crop starts 5 voxels in along x and y).</summary>
    private static readonly double[] BundleAffine = [-1, 0, 0, 101.48149872, 0, 1, 0, -146.47715759, 0, 0, 1, -156.55375671, 0, 0, 0, 1];

    public sealed record Description(LatentDiffusionModelConfig Model, int Steps, long[] NoiseShape, IReadOnlyDictionary<string, double> Defaults);

    public static Description Read(string bundleDir)
    {
        var path = Path.Combine(bundleDir, "configs", "inference.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"{bundleDir}: not a MONAI bundle (no configs/inference.json)", path);
        using var doc = ParseJson(path);
        // A value of the wrong JSON kind or out of its type's range (a 20-digit channel count) is an error naming the file.
        try { return Read(bundleDir, path, doc.RootElement); }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException or KeyNotFoundException or ArgumentException or JsonException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    private static Description Read(string bundleDir, string path, JsonElement root)
    {
        var ae = Section(root, "autoencoder_def", path);
        var unetArgs = Section(root, "diffusion_def", path);
        var scheduler = Section(root, "scheduler", path);

        var aeConfig = new AutoencoderKLConfig
        {
            SpatialDims = Int(ae, "spatial_dims", 3), InChannels = Int(ae, "in_channels", 1), OutChannels = Int(ae, "out_channels", 1),
            LatentChannels = Int(ae, "latent_channels", 3), Channels = IntList(ae, "num_channels", [32, 64, 64, 64]),
            AttentionLevels = BoolList(ae, "attention_levels", [false, false, true, true]),
            NormNumGroups = Int(ae, "norm_num_groups", 32), NormEps = Double(ae, "norm_eps", 1e-6),
            WithEncoderNonLocalAttention = Bool(ae, "with_encoder_nonlocal_attn", true),
            WithDecoderNonLocalAttention = Bool(ae, "with_decoder_nonlocal_attn", true),
        };
        aeConfig = aeConfig with { NumResBlocks = IntList(ae, "num_res_blocks", [2], aeConfig.Levels) };
        var unetConfig = JsonSerializer.Deserialize<DiffusionUNetConfig>(StripBundleKeys(unetArgs), LatentDiffusionModel.Json)
                         ?? throw new InvalidDataException($"{path}: empty diffusion_def");

        var conditioningNames = ConditioningOrder(root, path);
        var defaults = conditioningNames.ToDictionary(n => n, n => root.TryGetProperty(n, out var v) ? v.GetDouble() : 0.0);
        int steps = Match(root, "set_timesteps", StepsPattern(), path, "num_inference_steps", m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        long[] noise = Match(root, "noise", NoisePattern(), path, "torch.randn((...))",
            m => m.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => NoiseDimension(s.Trim(), path)).ToArray());
        if (noise.Length != 2 + aeConfig.SpatialDims)
            throw new InvalidDataException($"{path}: \"noise\" has {noise.Length} dimensions; (batch, channels) and {aeConfig.SpatialDims} spatial ones expected");
        int factor = aeConfig.DownsamplingFactor;
        // The decoded image must fit one volume: a huge latent is refused here, before any arithmetic overflows.
        GridSize.Elements($"the image that \"noise\" ({string.Join(", ", noise)}) decodes to", noise.Skip(2).Select(n => (double)n * factor).ToArray());

        var model = new LatentDiffusionModelConfig
        {
            Name = Path.GetFileName(Path.GetFullPath(bundleDir).TrimEnd(Path.DirectorySeparatorChar)),
            Autoencoder = aeConfig,
            UNet = unetConfig,
            Scheduler = new SchedulerConfig
            {
                NumTrainTimesteps = Int(scheduler, "num_train_timesteps", 1000),
                Schedule = ScheduleOf(scheduler.TryGetProperty("schedule", out var s) ? s.GetString() : "linear_beta", path),
                BetaStart = Double(scheduler, "beta_start", 1e-4), BetaEnd = Double(scheduler, "beta_end", 2e-2),
                ClipSample = Bool(scheduler, "clip_sample", true),
                PredictionType = scheduler.TryGetProperty("prediction_type", out var pt) && pt.GetString() == "v_prediction" ? PredictionType.VPrediction : PredictionType.Epsilon,
            },
            Conditioning = new ConditioningSpec
            {
                Covariates = conditioningNames.Select(n => new Covariate { Name = n, Min = 0, Max = 1 }).ToList(),
                Concat = unetConfig.InChannels > aeConfig.LatentChannels,
                CrossAttention = unetConfig.WithConditioning,
            },
            Image = new ImageGeometry
            {
                Shape = noise.Skip(2).Select(n => (int)n * factor).ToArray(),
                Spacing = [1, 1, 1],
                AffineRowMajor = BundleAffine,
            },
        };
        return new Description(model.Validate(path), steps, noise, defaults);
    }

    /// <summary>The bundle as a loaded model, weights read (strictly) from its .pth files.</summary>
    public static LatentDiffusionModel Load(string bundleDir, Description description)
    {
        var aePath = Path.Combine(bundleDir, "models", "autoencoder.pth");
        var unetPath = Path.Combine(bundleDir, "models", "diffusion_model.pth");
        foreach (var p in new[] { aePath, unetPath })
            if (!File.Exists(p)) throw new FileNotFoundException($"{bundleDir}: missing weights {Path.GetRelativePath(bundleDir, p)}", p);
        var autoencoder = AutoencoderKL.FromCheckpoint(description.Model.Autoencoder, PthFile.ReadStateDict(aePath), aePath);
        var unet = new DiffusionUNet(description.Model.UNet!);
        try
        {
            unet.LoadCheckpoint(PthFile.ReadStateDict(unetPath), unetPath);
            unet.Eval();
        }
        catch
        {
            unet.Dispose();
            autoencoder.Dispose();
            throw;
        }
        return new LatentDiffusionModel(description.Model, autoencoder, unet);
    }

    // "conditioning": "$torch.tensor([[@gender, @age, @ventricular_vol, @brain_vol]])..." -> the names in order.
    private static IReadOnlyList<string> ConditioningOrder(JsonElement root, string path)
    {
        if (!root.TryGetProperty("conditioning", out var c) || c.ValueKind != JsonValueKind.String) return [];
        var list = ConditioningPattern().Match(c.GetString()!);
        if (!list.Success) throw new InvalidDataException($"{path}: cannot read the covariate order from \"conditioning\": {c.GetString()}");
        return list.Groups[1].Value.Split(',').Select(n => n.Trim().TrimStart('@')).ToList();
    }

    private static BetaSchedule ScheduleOf(string? name, string path) => name switch
    {
        "linear_beta" => BetaSchedule.LinearBeta,
        "scaled_linear_beta" => BetaSchedule.ScaledLinearBeta,
        "sigmoid_beta" => BetaSchedule.SigmoidBeta,
        "cosine" => BetaSchedule.Cosine,
        _ => throw new InvalidDataException($"{path}: unknown noise schedule '{name}'"),
    };

    private static JsonDocument ParseJson(string path)
    {
        try { return JsonDocument.Parse(BoundedFile.ReadAllText(path, BoundedFile.ConfigBytes, "bundle config")); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }

    private static long NoiseDimension(string text, string path) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= int.MaxValue
            ? n
            : throw new InvalidDataException($"{path}: \"noise\" dimension {text} is not a size from 1 to {int.MaxValue}");

    private static JsonElement Section(JsonElement root, string name, string path) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : throw new InvalidDataException($"{path}: no \"{name}\" object");

    // Drops MONAI's "_target_"/"_requires_" and arguments BrainGen has no use for (use_flash_attention),
    // and writes MONAI's one-int-for-every-level form of per-level arguments as a one-element list.
    private static string StripBundleKeys(JsonElement args) => JsonSerializer.Serialize(args.EnumerateObject()
        .Where(p => !p.Name.StartsWith('_') && p.Name != "use_flash_attention")
        .ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.Number && p.Name is "num_res_blocks" or "num_head_channels"
            ? JsonSerializer.SerializeToElement(new[] { p.Value.GetInt32() })
            : p.Value));

    private static T Match<T>(JsonElement root, string key, Regex pattern, string path, string what, Func<Match, T> read)
    {
        var text = root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
        var m = pattern.Match(text);
        return m.Success ? read(m) : throw new InvalidDataException($"{path}: \"{key}\" does not hold {what}: '{text}'");
    }

    private static int Int(JsonElement e, string name, int fallback) => e.TryGetProperty(name, out var v) ? v.GetInt32() : fallback;
    private static double Double(JsonElement e, string name, double fallback) => e.TryGetProperty(name, out var v) ? v.GetDouble() : fallback;
    private static bool Bool(JsonElement e, string name, bool fallback) => e.TryGetProperty(name, out var v) ? v.GetBoolean() : fallback;
    private static bool[] BoolList(JsonElement e, string name, bool[] fallback) =>
        e.TryGetProperty(name, out var v) ? v.EnumerateArray().Select(x => x.GetBoolean()).ToArray() : fallback;

    // MONAI accepts an int for every level or a list per level.
    private static int[] IntList(JsonElement e, string name, int[] fallback, int levels = 0)
    {
        if (!e.TryGetProperty(name, out var v)) return levels > 0 && fallback.Length == 1 ? Enumerable.Repeat(fallback[0], levels).ToArray() : fallback;
        if (v.ValueKind == JsonValueKind.Number) return Enumerable.Repeat(v.GetInt32(), Math.Max(levels, 1)).ToArray();
        return v.EnumerateArray().Select(x => x.GetInt32()).ToArray();
    }

    [GeneratedRegex(@"num_inference_steps\s*=\s*(\d+)")] private static partial Regex StepsPattern();
    [GeneratedRegex(@"torch\.randn\(\(\s*([\d\s,]+)\)\)")] private static partial Regex NoisePattern();
    [GeneratedRegex(@"\[\[([^\]]+)\]\]")] private static partial Regex ConditioningPattern();
}
