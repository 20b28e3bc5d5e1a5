using System.Text.Json;
using System.Text.Json.Serialization;
using BrainGen.Imaging;

namespace BrainGen.Models.Denoisers;

/// <summary>
/// The arguments of MONAI Generative's <c>DiffusionModelUNet</c>, with its defaults, under its argument names
/// in JSON (so a bundle's <c>inference.json</c> arguments read as they are). Per-level lists may hold one value
/// for every level (GM's int form of num_res_blocks and num_head_channels). <see cref="Validate"/> gives GM's
/// checks, and more, as clear errors. Saved as JSON next to every checkpoint.
/// </summary>
public sealed record DiffusionUNetConfig
{
    [JsonPropertyName("spatial_dims")] public int SpatialDims { get; init; } = 3;
    [JsonPropertyName("in_channels")] public int InChannels { get; init; } = 1;
    [JsonPropertyName("out_channels")] public int OutChannels { get; init; } = 1;
    [JsonPropertyName("num_res_blocks")] public int[] NumResBlocks { get; init; } = [2, 2, 2, 2];
    [JsonPropertyName("num_channels")] public int[] NumChannels { get; init; } = [32, 64, 64, 64];
    [JsonPropertyName("attention_levels")] public bool[] AttentionLevels { get; init; } = [false, false, true, true];
    [JsonPropertyName("norm_num_groups")] public int NormNumGroups { get; init; } = 32;
    [JsonPropertyName("norm_eps")] public double NormEps { get; init; } = 1e-6;
    /// <summary>Resample with ResnetBlocks (average pool / nearest inside) instead of conv Downsample / Upsample.</summary>
    [JsonPropertyName("resblock_updown")] public bool ResblockUpdown { get; init; }
    /// <summary>Channels per attention head, per level (one value: every level); ignored at levels without attention.</summary>
    [JsonPropertyName("num_head_channels")] public int[] NumHeadChannels { get; init; } = [8];
    /// <summary>Attention levels (and the middle block) use SpatialTransformers with cross-attention to a context.</summary>
    [JsonPropertyName("with_conditioning")] public bool WithConditioning { get; init; }
    [JsonPropertyName("transformer_num_layers")] public int TransformerNumLayers { get; init; } = 1;
    [JsonPropertyName("cross_attention_dim")] public int? CrossAttentionDim { get; init; }
    [JsonPropertyName("num_class_embeds")] public int? NumClassEmbeds { get; init; }
    [JsonPropertyName("upcast_attention")] public bool UpcastAttention { get; init; }
    [JsonPropertyName("dropout_cattn")] public double DropoutCattn { get; init; }
    /// <summary>
    /// Plain attention blocks apply <c>proj_attn</c>: false is GM (which builds it but never applies it), true is
    /// MONAI-core's <c>include_fc=True</c> (its <c>attn.out_proj</c>). Irrelevant with conditioning.
    /// </summary>
    [JsonPropertyName("attention_output_projection")] public bool AttentionOutputProjection { get; init; }

    /// <summary>The MONAI brain-LDM bundle's diffusion model (<c>configs/inference.json</c>): 528 tensors, 553,168,899 parameters.</summary>
    public static DiffusionUNetConfig BrainLdm => new()
    {
        SpatialDims = 3, InChannels = 7, OutChannels = 3, NumChannels = [256, 512, 768], NumResBlocks = [2],
        AttentionLevels = [false, true, true], NormNumGroups = 32, NormEps = 1e-6, ResblockUpdown = true,
        NumHeadChannels = [0, 512, 768], WithConditioning = true, TransformerNumLayers = 1, CrossAttentionDim = 4,
        UpcastAttention = true,
    };

    public int Levels => NumChannels.Length;
    public int TimeEmbedDim => NumChannels[0] * 4;
    public int ResBlocksAt(int level) => NumResBlocks.Length == 1 ? NumResBlocks[0] : NumResBlocks[level];
    public int HeadChannelsAt(int level) => NumHeadChannels.Length == 1 ? NumHeadChannels[0] : NumHeadChannels[level];

    /// <summary>Throws <see cref="ArgumentException"/> naming the offending argument; returns this config.</summary>
    public DiffusionUNetConfig Validate()
    {
        var errors = new List<string>();
        void Check(bool ok, string message) { if (!ok) errors.Add(message); }

        Check(SpatialDims is 2 or 3, $"spatial_dims must be 2 or 3 (got {SpatialDims})");
        Check(InChannels > 0, $"in_channels must be positive (got {InChannels})");
        Check(OutChannels > 0, $"out_channels must be positive (got {OutChannels})");
        Check(NumChannels is { Length: > 0 }, "num_channels needs at least one level");
        Check(NormNumGroups > 0, $"norm_num_groups must be positive (got {NormNumGroups})");
        Check(NormEps > 0, $"norm_eps must be positive (got {NormEps})");
        if (errors.Count == 0)
        {
            for (int i = 0; i < Levels; i++)
                Check(NumChannels[i] > 0 && NumChannels[i] % NormNumGroups == 0,
                    $"num_channels[{i}]={NumChannels[i]} must be a positive multiple of norm_num_groups={NormNumGroups}");
            Check(AttentionLevels?.Length == Levels, $"attention_levels has {AttentionLevels?.Length ?? 0} entries; num_channels has {Levels} levels");
            Check(NumResBlocks?.Length is 1 || NumResBlocks?.Length == Levels,
                $"num_res_blocks needs one value or one per level ({Levels}); got {NumResBlocks?.Length ?? 0}");
            Check(NumHeadChannels?.Length is 1 || NumHeadChannels?.Length == Levels,
                $"num_head_channels needs one value or one per level ({Levels}); got {NumHeadChannels?.Length ?? 0}");
        }
        if (errors.Count == 0)
        {
            for (int i = 0; i < Levels; i++)
                Check(ResBlocksAt(i) >= 0, $"num_res_blocks[{i}] must not be negative (got {ResBlocksAt(i)})");
            // Attention levels and the middle block (which always has attention) need whole heads.
            for (int i = 0; i < Levels; i++)
            {
                if (!AttentionLevels![i] && i != Levels - 1) continue;
                int hc = HeadChannelsAt(i), ch = NumChannels[i];
                string where = AttentionLevels[i] ? $"level {i}" : "the middle block";
                Check(hc > 0 && ch % hc == 0, $"num_head_channels[{i}]={hc} must divide num_channels[{i}]={ch} (attention at {where})");
            }
        }
        Check(!WithConditioning || CrossAttentionDim is not null, "with_conditioning=true needs cross_attention_dim");
        Check(CrossAttentionDim is null || WithConditioning, "cross_attention_dim is set but with_conditioning=false");
        Check(CrossAttentionDim is null or > 0, $"cross_attention_dim must be positive (got {CrossAttentionDim})");
        Check(NumClassEmbeds is null or > 0, $"num_class_embeds must be positive when set (got {NumClassEmbeds})");
        Check(TransformerNumLayers >= 1, $"transformer_num_layers must be at least 1 (got {TransformerNumLayers})");
        Check(DropoutCattn is >= 0 and <= 1, $"dropout_cattn must be in [0, 1] (got {DropoutCattn})");
        if (errors.Count > 0) throw new ArgumentException("invalid DiffusionUNet config: " + string.Join("; ", errors));
        return this;
    }

    public string ToJson() => JsonSerializer.Serialize(this, NetworkConfigJson.Options);

    /// <summary>Reads a config (GM argument names; an int or a list for num_res_blocks and num_head_channels) and validates it.</summary>
    public static DiffusionUNetConfig FromJson(string json) => NetworkConfigJson.FromJson<DiffusionUNetConfig>(json, "DiffusionUNet", c => c.Validate());

    public void Save(string path) => File.WriteAllText(path, ToJson() + "\n");

    public static DiffusionUNetConfig Load(string path) => NetworkConfigJson.Load(path, "UNet config", FromJson);

    // Arrays compare by value, so a config read back from JSON equals the one saved.
    public bool Equals(DiffusionUNetConfig? other) =>
        other is not null && SpatialDims == other.SpatialDims && InChannels == other.InChannels && OutChannels == other.OutChannels
        && NumResBlocks.SequenceEqual(other.NumResBlocks) && NumChannels.SequenceEqual(other.NumChannels)
        && AttentionLevels.SequenceEqual(other.AttentionLevels) && NormNumGroups == other.NormNumGroups && NormEps == other.NormEps
        && ResblockUpdown == other.ResblockUpdown && NumHeadChannels.SequenceEqual(other.NumHeadChannels)
        && WithConditioning == other.WithConditioning && TransformerNumLayers == other.TransformerNumLayers
        && CrossAttentionDim == other.CrossAttentionDim && NumClassEmbeds == other.NumClassEmbeds
        && UpcastAttention == other.UpcastAttention && DropoutCattn == other.DropoutCattn
        && AttentionOutputProjection == other.AttentionOutputProjection;

    public override int GetHashCode() => HashCode.Combine(SpatialDims, InChannels, OutChannels, NumChannels.Length, WithConditioning, CrossAttentionDim);
}
