using BrainGen.Models.Tokenizers;
using BrainGen.Torch;
using static BrainGen.Models.Tests.Autoencoders.AutoencoderFixtures;

namespace BrainGen.Models.Tests.Autoencoders;

public sealed class AutoencoderKLConfigTests
{
    [Fact]
    public void Defaults_are_MONAI_Generatives()
    {
        var c = new AutoencoderKLConfig();
        Assert.Equal([32, 64, 64, 64], c.Channels);
        Assert.Equal([2, 2, 2, 2], c.NumResBlocks);
        Assert.Equal([false, false, true, true], c.AttentionLevels);
        Assert.Equal((1, 1, 3, 32, 1e-6), (c.InChannels, c.OutChannels, c.LatentChannels, c.NormNumGroups, c.NormEps));
        Assert.True(c.WithEncoderNonLocalAttention && c.WithDecoderNonLocalAttention);
        Assert.False(c.UseConvTranspose || c.AttentionOutputProjection);
    }

    [Fact]
    public void Json_round_trips_in_snake_case()
    {
        var c = AutoencoderKLConfig.BrainLdmBundle;
        string json = c.ToJson();
        Assert.Contains("\"channels\": [", json);
        Assert.Contains("\"with_encoder_non_local_attention\": false", json);
        Assert.True(c.SameAs(AutoencoderKLConfig.FromJson(json)));
        Assert.False(c.SameAs(c with { NormEps = 1e-5 }));
    }

    [Fact]
    public void Save_and_load_through_a_file_and_name_the_file_on_error()
    {
        string path = Path.Combine(Path.GetTempPath(), $"aekl-{Guid.NewGuid():N}.json");
        try
        {
            Config("ae3d_attn").Save(path);
            Assert.True(Config("ae3d_attn").SameAs(AutoencoderKLConfig.Load(path)));
            File.WriteAllText(path, "{\"channels\": [8, 12], \"attention_levels\": [false, false], \"num_res_blocks\": [1, 1], \"norm_num_groups\": 8}");
            var e = Assert.Throws<InvalidDataException>(() => AutoencoderKLConfig.Load(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("multiple of NormNumGroups (8)", e.Message);
            File.WriteAllText(path, "{\"channelz\": [8]}");
            Assert.Throws<InvalidDataException>(() => AutoencoderKLConfig.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static TheoryData<AutoencoderKLConfig, string> Invalid => new()
    {
        { new() { Channels = [32, 48] , AttentionLevels = [false, false], NumResBlocks = [1, 1] }, "multiple of NormNumGroups (32)" },
        { new() { AttentionLevels = [false, true] }, "AttentionLevels has 2 entries but Channels has 4" },
        { new() { NumResBlocks = [2, 2] }, "NumResBlocks has 2 entries but Channels has 4" },
        { new() { SpatialDims = 1 }, "SpatialDims must be 2 or 3" },
        { new() { LatentChannels = 0 }, "must be positive" },
        { new() { Channels = [] }, "at least one level" },
        { new() { NormEps = 0 }, "NormEps must be positive" },
    };

    [Theory, MemberData(nameof(Invalid))]
    public void Invalid_configs_are_refused_with_the_reason(AutoencoderKLConfig config, string reason)
    {
        var e = Assert.Throws<ArgumentException>(() => new AutoencoderKL(config));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void The_bundle_preset_has_exactly_the_bundles_keys_shapes_and_parameter_count()
    {
        var expected = File.ReadAllLines(PathOf("brain_ldm_autoencoder_keys.txt")).Where(l => l.Length > 0).ToList();
        using var model = new AutoencoderKL(AutoencoderKLConfig.BrainLdmBundle);
        var actual = model.StateDict()
            .Select(e => $"{e.Key} ({string.Join(", ", e.Value.Shape)}{(e.Value.Shape.Length == 1 ? "," : "")})")
            .ToList();
        Assert.Equal(162, actual.Count);
        Assert.Equal(expected, actual);
        Assert.Equal(13_766_248, model.ParameterCount());
        Assert.Equal([1L, 3, 20, 28, 20], model.LatentShape([1, 1, 160, 224, 160]));
        Assert.Equal(8, AutoencoderKLConfig.BrainLdmBundle.DownsamplingFactor);
    }
}
