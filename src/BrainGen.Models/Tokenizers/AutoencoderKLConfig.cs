using System.Text.Json;
using System.Text.Json.Serialization;
using BrainGen.Imaging;

namespace BrainGen.Models.Tokenizers;

/// <summary>
/// Hyper-parameters of <see cref="AutoencoderKL"/>, with MONAI Generative's defaults
/// (<c>generative.networks.nets.AutoencoderKL</c>). Saved as JSON next to every checkpoint.
/// Lists are per level, from the highest resolution to the lowest; the decoder reverses them.
/// </summary>
public sealed record AutoencoderKLConfig
{
    /// <summary>2 or 3 (GM also allows 1; BrainGen's transposed convolution does not).</summary>
    public int SpatialDims { get; init; } = 3;
    public int InChannels { get; init; } = 1;
    public int OutChannels { get; init; } = 1;
    public int LatentChannels { get; init; } = 3;

    /// <summary>GM <c>num_channels</c> (MONAI-core <c>channels</c>): output channels of each level.</summary>
    public IReadOnlyList<int> Channels { get; init; } = [32, 64, 64, 64];
    public IReadOnlyList<int> NumResBlocks { get; init; } = [2, 2, 2, 2];
    public IReadOnlyList<bool> AttentionLevels { get; init; } = [false, false, true, true];
    public int NormNumGroups { get; init; } = 32;
    public double NormEps { get; init; } = 1e-6;
    public bool WithEncoderNonLocalAttention { get; init; } = true;
    public bool WithDecoderNonLocalAttention { get; init; } = true;

    /// <summary>GM <c>use_convtranspose</c>: upsample with a 3×3 stride-2 transposed convolution instead of nearest ×2 + conv.</summary>
    public bool UseConvTranspose { get; init; }

    /// <summary>
    /// false (GM, the brain-LDM bundle): the attention blocks' <c>proj_attn</c> is loaded but never applied.
    /// true (MONAI-core <c>include_fc=True</c> with a trained <c>out_proj</c>): it is applied after attention.
    /// </summary>
    public bool AttentionOutputProjection { get; init; }

    /// <summary>The MONAI brain-LDM bundle's autoencoder (configs/inference.json): 162 tensors, 13,766,248 parameters.</summary>
    public static AutoencoderKLConfig BrainLdmBundle { get; } = new()
    {
        SpatialDims = 3, InChannels = 1, OutChannels = 1, LatentChannels = 3,
        Channels = [64, 128, 128, 128], NumResBlocks = [2, 2, 2, 2], AttentionLevels = [false, false, false, false],
        NormNumGroups = 32, NormEps = 1e-6, WithEncoderNonLocalAttention = false, WithDecoderNonLocalAttention = false,
    };

    public int Levels => Channels.Count;

    /// <summary>Spatial downsampling factor between image and latent (2^(levels-1)).</summary>
    public int DownsamplingFactor => 1 << (Levels - 1);

    /// <summary>Throws <see cref="ArgumentException"/> naming the offending fields; returns this config.</summary>
    public AutoencoderKLConfig Validate()
    {
        var errors = new List<string>();
        if (SpatialDims is < 2 or > 3) errors.Add($"SpatialDims must be 2 or 3, not {SpatialDims}");
        if (InChannels < 1 || OutChannels < 1 || LatentChannels < 1)
            errors.Add($"InChannels ({InChannels}), OutChannels ({OutChannels}) and LatentChannels ({LatentChannels}) must be positive");
        if (Channels is null || Channels.Count == 0) errors.Add("Channels must list at least one level");
        else
        {
            if (NormNumGroups < 1) errors.Add($"NormNumGroups must be positive, not {NormNumGroups}");
            else if (Channels.Any(c => c < 1 || c % NormNumGroups != 0))
                errors.Add($"every entry of Channels [{string.Join(", ", Channels)}] must be a positive multiple of NormNumGroups ({NormNumGroups})");
            if (AttentionLevels is null || AttentionLevels.Count != Channels.Count)
                errors.Add($"AttentionLevels has {AttentionLevels?.Count ?? 0} entries but Channels has {Channels.Count}");
            if (NumResBlocks is null || NumResBlocks.Count != Channels.Count)
                errors.Add($"NumResBlocks has {NumResBlocks?.Count ?? 0} entries but Channels has {Channels.Count}");
            else if (NumResBlocks.Any(n => n < 0)) errors.Add("NumResBlocks entries must not be negative");
        }
        if (!(NormEps > 0)) errors.Add($"NormEps must be positive, not {NormEps}");
        if (errors.Count > 0) throw new ArgumentException("invalid AutoencoderKLConfig: " + string.Join("; ", errors));
        return this;
    }

    /// <summary>The same number of residual blocks at every level (GM accepts an int for <c>num_res_blocks</c>).</summary>
    public AutoencoderKLConfig WithResBlocksPerLevel(int count) => this with { NumResBlocks = Enumerable.Repeat(count, Levels).ToArray() };

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static AutoencoderKLConfig FromJson(string json) =>
        (JsonSerializer.Deserialize<AutoencoderKLConfig>(json, JsonOptions) ?? throw new JsonException("empty AutoencoderKL config")).Validate();

    public void Save(string path) => File.WriteAllText(path, ToJson() + "\n");

    public static AutoencoderKLConfig Load(string path)
    {
        try { return FromJson(BoundedFile.ReadAllText(path, BoundedFile.ConfigBytes, "autoencoder config")); }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: not a valid AutoencoderKL config: {e.Message}", e);
        }
    }

    /// <summary>Structural equality (the lists compare by content), for tests and checkpoint checks.</summary>
    public bool SameAs(AutoencoderKLConfig other) => ToJson() == other.ToJson();
}
