using BrainGen.Models.Denoisers;

namespace BrainGen.Models.Tests.Diffusion;

public class DiffusionUNetConfigTests
{
    [Fact]
    public void DefaultsAreMonaiGenerativeDefaults()
    {
        var c = new DiffusionUNetConfig();
        Assert.Equal([2, 2, 2, 2], c.NumResBlocks);
        Assert.Equal([32, 64, 64, 64], c.NumChannels);
        Assert.Equal([false, false, true, true], c.AttentionLevels);
        Assert.Equal((32, 1e-6, false, 8, false, 1), (c.NormNumGroups, c.NormEps, c.ResblockUpdown, c.HeadChannelsAt(3), c.WithConditioning, c.TransformerNumLayers));
        Assert.Equal((null, null, false, 0.0, false), (c.CrossAttentionDim, c.NumClassEmbeds, c.UpcastAttention, c.DropoutCattn, c.AttentionOutputProjection));
        c.Validate();
    }

    [Fact]
    public void BrainLdmPresetIsTheBundleConfigAndRoundTripsThroughJson()
    {
        var c = DiffusionUNetConfig.BrainLdm;
        Assert.Equal((3, 7, 3), (c.SpatialDims, c.InChannels, c.OutChannels));
        Assert.Equal([256, 512, 768], c.NumChannels);
        Assert.Equal([0, 512, 768], c.NumHeadChannels);
        Assert.Equal((2, 2, 2), (c.ResBlocksAt(0), c.ResBlocksAt(1), c.ResBlocksAt(2)));
        Assert.True(c.ResblockUpdown && c.WithConditioning && c.UpcastAttention);
        Assert.Equal(4, c.CrossAttentionDim);

        string json = c.ToJson();
        Assert.Contains("\"num_head_channels\"", json);
        Assert.Contains("\"cross_attention_dim\": 4", json);
        Assert.Equal(c, DiffusionUNetConfig.FromJson(json));
        Assert.NotEqual(c, c with { NumChannels = [256, 512, 769] });

        string path = Path.Combine(Path.GetTempPath(), $"unet-config-{Guid.NewGuid():N}.json");
        try
        {
            c.Save(path);
            Assert.Equal(c, DiffusionUNetConfig.Load(path));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void ReadsGmArgumentsWithIntOrListForPerLevelValues()
    {
        var c = DiffusionUNetConfig.FromJson("""
            {"spatial_dims": 3, "in_channels": 7, "out_channels": 3, "num_channels": [256, 512, 768], "num_res_blocks": 2,
             "attention_levels": [false, true, true], "norm_num_groups": 32, "norm_eps": 1e-6, "resblock_updown": true,
             "num_head_channels": [0, 512, 768], "with_conditioning": true, "transformer_num_layers": 1,
             "cross_attention_dim": 4, "upcast_attention": true}
            """);
        Assert.Equal(DiffusionUNetConfig.BrainLdm, c);
        var d = DiffusionUNetConfig.FromJson("""{"num_channels": [32, 64], "num_res_blocks": 1, "attention_levels": [false, true], "num_head_channels": 16}""");
        Assert.Equal(16, d.HeadChannelsAt(1));
    }

    public static TheoryData<string, string> InvalidConfigs => new()
    {
        { """{"spatial_dims": 1}""", "spatial_dims must be 2 or 3" },
        { """{"num_channels": [32, 48, 64, 64]}""", "num_channels[1]=48 must be a positive multiple of norm_num_groups=32" },
        { """{"attention_levels": [false, true]}""", "attention_levels has 2 entries; num_channels has 4 levels" },
        { """{"num_res_blocks": [2, 2]}""", "num_res_blocks needs one value or one per level (4); got 2" },
        { """{"num_head_channels": [8, 8, 8]}""", "num_head_channels needs one value or one per level (4); got 3" },
        { """{"num_head_channels": [8, 8, 8, 24]}""", "num_head_channels[3]=24 must divide num_channels[3]=64" },
        { """{"attention_levels": [false, false, false, false], "num_head_channels": 0}""", "(attention at the middle block)" },
        { """{"with_conditioning": true}""", "with_conditioning=true needs cross_attention_dim" },
        { """{"cross_attention_dim": 4}""", "cross_attention_dim is set but with_conditioning=false" },
        { """{"num_class_embeds": 0}""", "num_class_embeds must be positive" },
        { """{"transformer_num_layers": 0}""", "transformer_num_layers must be at least 1" },
        { """{"dropout_cattn": 1.5}""", "dropout_cattn must be in [0, 1]" },
        { """{"num_channel": [32]}""", "num_channel" },
        { """{"num_res_blocks": "two"}""", "expected an integer or a list of integers" },
    };

    [Theory]
    [MemberData(nameof(InvalidConfigs))]
    public void InvalidConfigsFailWithTheArgumentNamed(string json, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => DiffusionUNetConfig.FromJson(json));
        Assert.Contains(expected, e.Message);
    }
}
