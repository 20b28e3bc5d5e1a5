using BrainGen.Models.Denoisers;
using BrainGen.Torch;

namespace BrainGen.Models.Tests.Diffusion;

/// <summary>Strict loading: the error names the file and lists missing, unexpected and shape-mismatched keys.</summary>
public class DiffusionUNetLoadingTests
{
    private const string File = "models/diffusion_model.pth";

    private static InvalidDataException LoadError(Action<Dictionary<string, HostTensor>> edit, DiffusionUNetConfig? config = null)
    {
        var state = UNetFixtures.Weights("class2d").ToDictionary();
        edit(state);
        using var model = new DiffusionUNet(config ?? UNetFixtures.Config("class2d"));
        return Assert.Throws<InvalidDataException>(() => model.LoadCheckpoint(state, File));
    }

    [Fact]
    public void MissingKeysAreListed()
    {
        var e = LoadError(s => { s.Remove("out.2.conv.bias"); s.Remove("class_embedding.weight"); });
        Assert.StartsWith($"{File}: does not match DiffusionUNet", e.Message);
        Assert.Contains("missing keys: class_embedding.weight, out.2.conv.bias", e.Message);
        Assert.Contains("unexpected keys: none", e.Message);
        Assert.Contains("num_class_embeds differs", e.Message);  // the hint
    }

    [Fact]
    public void UnexpectedKeysAreListed()
    {
        var e = LoadError(s => s["model.ema.step"] = DiffusionUNetKeyMappingTests.Zeros([1]));
        Assert.Contains("missing keys: none; unexpected keys: model.ema.step; shape mismatches: none", e.Message);
    }

    [Fact]
    public void ShapeMismatchesNameBothShapes()
    {
        var e = LoadError(s => s["conv_in.conv.weight"] = DiffusionUNetKeyMappingTests.Zeros([8, 4, 3, 3]));
        Assert.Contains("shape mismatches: conv_in.conv.weight: checkpoint [8, 4, 3, 3], model [8, 3, 3, 3]", e.Message);
    }

    [Fact]
    public void AConfigThatDisagreesWithTheCheckpointGetsAHint()
    {
        var config = UNetFixtures.Config("class2d") with { WithConditioning = false, CrossAttentionDim = null };
        var e = LoadError(_ => { }, config);
        Assert.Contains("with_conditioning differs", e.Message);
        Assert.Contains("and ", e.Message);  // long lists are cut with a count
    }

    [Fact]
    public void NothingIsCopiedWhenAStrictLoadFails()
    {
        var state = UNetFixtures.Weights("class2d").ToDictionary();
        state.Remove("out.2.conv.bias");
        using var model = new DiffusionUNet(UNetFixtures.Config("class2d"));
        var before = model.ConvIn.Conv.Weight.ToArray<float>();
        Assert.Throws<InvalidDataException>(() => model.LoadCheckpoint(state, File));
        Assert.Equal(before, model.ConvIn.Conv.Weight.ToArray<float>());
    }
}
