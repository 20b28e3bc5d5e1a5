using BrainGen.Models.Denoisers;

namespace BrainGen.Models.Tests.Diffusion;

public class DiffusionUNetLayoutTests
{
    /// <summary>
    /// The bundle's UNet without allocating its 2.2 GB: the layout the constructor builds from lists exactly the keys,
    /// order and shapes of brain_ldm_unet_keys.txt (measured on GM with the bundle config), 528 tensors, 553,168,899 parameters.
    /// </summary>
    [Fact]
    public void BrainLdmPresetHasTheBundleKeysAndShapes()
    {
        var expected = File.ReadAllLines(UNetFixtures.PathOf("brain_ldm_unet_keys.txt")).Where(l => l.Length > 0).ToList();
        var layout = new DiffusionUNetLayout(DiffusionUNetConfig.BrainLdm);
        var actual = layout.ParameterShapes().Select(e => $"{e.Key} ({string.Join(", ", e.Shape)}{(e.Shape.Length == 1 ? "," : "")})").ToList();
        Assert.Equal(528, actual.Count);
        Assert.Equal(expected, actual);
        Assert.Equal(553_168_899L, layout.ParameterCount());
    }

    public static TheoryData<string> Configs => new()
    {
        // the bundle's structure at 1/32 of its width
        (DiffusionUNetConfig.BrainLdm with { NumChannels = [8, 16, 24], NormNumGroups = 8, NumHeadChannels = [0, 16, 24] }).ToJson(),
        """{"spatial_dims": 2, "num_channels": [8, 16, 16], "attention_levels": [false, true, true], "norm_num_groups": 4, "num_head_channels": [0, 8, 16], "with_conditioning": true, "cross_attention_dim": 5, "resblock_updown": true, "num_res_blocks": [1, 2, 3], "transformer_num_layers": 2, "num_class_embeds": 3}""",
        """{"spatial_dims": 3, "in_channels": 4, "out_channels": 2, "num_channels": [8, 8], "attention_levels": [true, false], "norm_num_groups": 8, "num_head_channels": 4, "num_res_blocks": 1}""",
        """{"spatial_dims": 2, "num_channels": [8, 16, 24, 24], "attention_levels": [false, false, true, true], "norm_num_groups": 8, "num_head_channels": 8, "num_res_blocks": [2, 0, 1, 2]}""",
        """{"spatial_dims": 2, "num_channels": [16], "attention_levels": [true], "norm_num_groups": 8, "num_head_channels": 16, "num_res_blocks": 2, "with_conditioning": true, "cross_attention_dim": 16}""",
    };

    /// <summary>The layout (shape-only) and the constructed module agree key for key, in order, for assorted configs.</summary>
    [Theory]
    [MemberData(nameof(Configs))]
    public void LayoutEqualsTheConstructedStateDict(string json)
    {
        var config = DiffusionUNetConfig.FromJson(json);
        using var model = new DiffusionUNet(config);
        var fromModel = model.StateDict().Select(e => $"{e.Key} [{string.Join(", ", e.Value.Shape)}]").ToList();
        var fromLayout = new DiffusionUNetLayout(config).ParameterShapes().Select(e => $"{e.Key} [{string.Join(", ", e.Shape)}]").ToList();
        Assert.Equal(fromLayout, fromModel);
        Assert.Equal(model.ParameterCount(), model.Layout.ParameterCount());
    }

    [Fact]
    public void UpBlockResnetsTakeGmSkipChannels()
    {
        var layout = new DiffusionUNetLayout(DiffusionUNetConfig.BrainLdm);
        Assert.Equal([(1536L, 768L), (1536, 768), (1280, 768)], layout.Up[0].Resnets);
        Assert.Equal([(1280L, 512L), (1024, 512), (768, 512)], layout.Up[1].Resnets);
        Assert.Equal([(768L, 256L), (512, 256), (512, 256)], layout.Up[2].Resnets);
        Assert.Equal([UNetResample.Resnet, UNetResample.Resnet, UNetResample.None], layout.Down.Select(d => d.Resample));
        Assert.Equal(UNetAttentionKind.SpatialTransformer, layout.Middle.Attention);
    }
}
