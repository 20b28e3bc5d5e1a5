using System.Text.Json;
using System.Text.Json.Serialization;
using BrainGen.Imaging;

namespace BrainGen.Models.Denoisers;

/// <summary>
/// The arguments of a <see cref="Dit"/>: DiT's own (<c>input_size</c>, <c>patch_size</c>, <c>in_channels</c>,
/// <c>hidden_size</c>, <c>depth</c>, <c>num_heads</c>, <c>mlp_ratio</c>, <c>learn_sigma</c>) plus the spatial
/// dimensions and the number of covariates that replace DiT's class labels. Defaults are DiT-S (384 wide,
/// 12 blocks, 6 heads) with patch 2 over a 3D latent; <c>learn_sigma</c> is off (DiT's default is on): the
/// output has <c>in_channels</c> channels, twice that with learned sigma. Saved as JSON next to every checkpoint.
/// </summary>
public sealed record DitConfig
{
    [JsonPropertyName("spatial_dims")] public int SpatialDims { get; init; } = 3;
    /// <summary>The latent grid, per spatial axis (one value: every axis). The position embedding is fixed to it.</summary>
    [JsonPropertyName("input_size")] public int[] InputSize { get; init; } = [16];
    /// <summary>Side of a patch: p² voxels per token in 2D, p³ in 3D.</summary>
    [JsonPropertyName("patch_size")] public int PatchSize { get; init; } = 2;
    [JsonPropertyName("in_channels")] public int InChannels { get; init; } = 4;
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; } = 384;
    [JsonPropertyName("depth")] public int Depth { get; init; } = 12;
    [JsonPropertyName("num_heads")] public int NumHeads { get; init; } = 6;
    [JsonPropertyName("mlp_ratio")] public double MlpRatio { get; init; } = 4.0;
    /// <summary>K normalized covariates embedded by an MLP and added to the timestep embedding; 0: unconditional.</summary>
    [JsonPropertyName("num_covariates")] public int NumCovariates { get; init; }
    /// <summary>Width of the sinusoidal timestep features fed to the timestep MLP (DiT: 256).</summary>
    [JsonPropertyName("frequency_embedding_size")] public int FrequencyEmbeddingSize { get; init; } = 256;
    /// <summary>Also predict the variance (IDDPM's learned sigma): doubles the output channels.</summary>
    [JsonPropertyName("learn_sigma")] public bool LearnSigma { get; init; }

    public int OutChannels => LearnSigma ? 2 * InChannels : InChannels;
    public int InputSizeAt(int axis) => InputSize.Length == 1 ? InputSize[0] : InputSize[axis];
    public long[] LatentShape => Enumerable.Range(0, SpatialDims).Select(a => (long)InputSizeAt(a)).ToArray();
    public long[] GridShape => LatentShape.Select(s => s / PatchSize).ToArray();
    public long NumTokens => GridShape.Aggregate(1L, (a, b) => a * b);
    /// <summary>Output features of one token: p^n · out_channels.</summary>
    public long PatchFeatures => (long)Math.Pow(PatchSize, SpatialDims) * OutChannels;
    public int MlpHiddenSize => (int)(HiddenSize * MlpRatio);  // int(hidden_size * mlp_ratio), as DiT

    /// <summary>Throws one-line <see cref="ArgumentException"/> naming every offending argument; returns this config.</summary>
    public DitConfig Validate()
    {
        var errors = new List<string>();
        void Check(bool ok, string message) { if (!ok) errors.Add(message); }

        Check(SpatialDims is 2 or 3, $"spatial_dims must be 2 or 3 (got {SpatialDims})");
        Check(InChannels > 0, $"in_channels must be positive (got {InChannels})");
        Check(PatchSize > 0, $"patch_size must be positive (got {PatchSize})");
        Check(Depth >= 1, $"depth must be at least 1 (got {Depth})");
        Check(NumHeads > 0, $"num_heads must be positive (got {NumHeads})");
        Check(HiddenSize > 0, $"hidden_size must be positive (got {HiddenSize})");
        Check(MlpRatio > 0 && double.IsFinite(MlpRatio), $"mlp_ratio must be positive (got {MlpRatio})");
        Check(NumCovariates >= 0, $"num_covariates must not be negative (got {NumCovariates})");
        Check(FrequencyEmbeddingSize > 0, $"frequency_embedding_size must be positive (got {FrequencyEmbeddingSize})");
        Check(InputSize is { Length: > 0 } && (InputSize.Length == 1 || InputSize.Length == SpatialDims),
            $"input_size needs one value or one per spatial axis ({SpatialDims}); got {InputSize?.Length ?? 0}");
        if (errors.Count == 0)
        {
            for (int axis = 0; axis < SpatialDims; axis++)
            {
                int size = InputSizeAt(axis);
                Check(size > 0, $"input_size[{axis}] must be positive (got {size})");
                Check(size <= 0 || size % PatchSize == 0, $"patch_size={PatchSize} does not divide input_size[{axis}]={size}");
            }
            Check(HiddenSize % NumHeads == 0, $"hidden_size={HiddenSize} is not divisible by num_heads={NumHeads}");
            // Sin-cos position embedding: one block of hidden_size/n per axis, each half sin, half cos.
            Check(HiddenSize % (2 * SpatialDims) == 0,
                $"hidden_size={HiddenSize} is not divisible by {2 * SpatialDims}, which the {SpatialDims}D sin-cos position embedding needs ({SpatialDims} axes x [sin, cos])");
            Check(MlpHiddenSize > 0, $"mlp_ratio={MlpRatio} gives an MLP of no width at hidden_size={HiddenSize}");
        }
        if (errors.Count > 0) throw new ArgumentException("invalid DiT config: " + string.Join("; ", errors));
        return this;
    }

    public string ToJson() => JsonSerializer.Serialize(this, NetworkConfigJson.Options);

    /// <summary>Reads a config (an int or a list for input_size) and validates it.</summary>
    public static DitConfig FromJson(string json) => NetworkConfigJson.FromJson<DitConfig>(json, "DiT", c => c.Validate());

    public void Save(string path) => File.WriteAllText(path, ToJson() + "\n");

    public static DitConfig Load(string path) => NetworkConfigJson.Load(path, "DiT config", FromJson);

    // input_size compares by value, so a config read back from JSON equals the one saved.
    public bool Equals(DitConfig? other) =>
        other is not null && SpatialDims == other.SpatialDims && InputSize.SequenceEqual(other.InputSize) && PatchSize == other.PatchSize
        && InChannels == other.InChannels && HiddenSize == other.HiddenSize && Depth == other.Depth && NumHeads == other.NumHeads
        && MlpRatio == other.MlpRatio && NumCovariates == other.NumCovariates
        && FrequencyEmbeddingSize == other.FrequencyEmbeddingSize && LearnSigma == other.LearnSigma;

    public override int GetHashCode() => HashCode.Combine(SpatialDims, PatchSize, InChannels, HiddenSize, Depth, NumHeads, NumCovariates, LearnSigma);
}
