using BrainGen.Models.Denoisers;

namespace BrainGen.Models.Tests.Denoisers;

public class DitConfigTests
{
    public static TheoryData<string, string> BadConfigs => new()
    {
        { """{"spatial_dims": 2, "input_size": [8, 8], "patch_size": 3, "hidden_size": 24, "num_heads": 2}""", "patch_size=3 does not divide input_size[0]=8" },
        { """{"spatial_dims": 3, "input_size": [8, 6, 8], "patch_size": 4, "hidden_size": 24, "num_heads": 2}""", "patch_size=4 does not divide input_size[1]=6" },
        { """{"spatial_dims": 2, "input_size": 8, "hidden_size": 52, "num_heads": 8}""", "hidden_size=52 is not divisible by num_heads=8" },
        { """{"spatial_dims": 3, "input_size": 8, "hidden_size": 64, "num_heads": 4}""", "hidden_size=64 is not divisible by 6, which the 3D sin-cos position embedding needs" },
        { """{"spatial_dims": 2, "input_size": 8, "hidden_size": 54, "num_heads": 6}""", "hidden_size=54 is not divisible by 4, which the 2D sin-cos position embedding needs" },
        { """{"spatial_dims": 3, "input_size": [8, 8]}""", "input_size needs one value or one per spatial axis (3); got 2" },
        { """{"spatial_dims": 4}""", "spatial_dims must be 2 or 3 (got 4)" },
        { """{"depth": 0}""", "depth must be at least 1 (got 0)" },
        { """{"num_covariates": -1}""", "num_covariates must not be negative (got -1)" },
        { """{"mlp_ratio": 0}""", "mlp_ratio must be positive (got 0)" },
        { """{"input_size": [0]}""", "input_size[0] must be positive (got 0)" },
        { """{"patch": 2}""", "invalid DiT config JSON" },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void BadConfigIsRefusedWithOneLineNamingTheProblem(string json, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => DitConfig.FromJson(json));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("invalid DiT config", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void TheModelRefusesABadConfigToo()
    {
        var bad = DitTestModels.Tiny(2) with { PatchSize = 3 };
        var e = Assert.Throws<ArgumentException>(() => new Dit(bad));
        Assert.Contains("patch_size=3 does not divide input_size[0]=8", e.Message);
    }

    [Fact]
    public void DefaultsAreDitSWithoutLearnedSigma()
    {
        var c = new DitConfig().Validate();
        Assert.Equal((384, 12, 6, 2, 3), (c.HiddenSize, c.Depth, c.NumHeads, c.PatchSize, c.SpatialDims));
        Assert.False(c.LearnSigma);
        Assert.Equal(c.InChannels, c.OutChannels);
        Assert.Equal(2 * c.InChannels, (c with { LearnSigma = true }).OutChannels);
    }

    [Fact]
    public void JsonRoundTripsAndAcceptsOneInputSizeForEveryAxis()
    {
        var config = DitTestModels.Tiny(3, learnSigma: true, size: [4, 6, 4]);
        Assert.Equal(config, DitConfig.FromJson(config.ToJson()));
        var cube = DitConfig.FromJson("""{"spatial_dims": 3, "input_size": 8, "patch_size": 4}""");
        Assert.Equal([8L, 8, 8], cube.LatentShape);
        Assert.Equal([2L, 2, 2], cube.GridShape);
        Assert.Equal(4L * 4 * 4 * cube.InChannels, cube.PatchFeatures);
    }

    [Fact]
    public void LoadNamesTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"dit-config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"spatial_dims": 2, "input_size": [8, 8], "patch_size": 3}""");
        try
        {
            var e = Assert.Throws<ArgumentException>(() => DitConfig.Load(path));
            Assert.StartsWith($"{path}: invalid DiT config: ", e.Message);
        }
        finally { File.Delete(path); }
    }
}
