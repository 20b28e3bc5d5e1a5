using BrainGen.Models.Tokenizers;
using BrainGen.Torch;
using static BrainGen.Models.Tests.Autoencoders.AutoencoderFixtures;

namespace BrainGen.Models.Tests.Autoencoders;

/// <summary>Strict loading: the message names the file and lists every offending key.</summary>
public sealed class AutoencoderCheckpointErrorTests
{
    private const string File = "/data/models/autoencoder.pth";

    private static InvalidDataException Load(Func<Dictionary<string, HostTensor>, Dictionary<string, HostTensor>> edit)
    {
        var state = edit(new Dictionary<string, HostTensor>(Weights("ae3d_plain.safetensors")));
        using var model = new AutoencoderKL(Config("ae3d_plain"));
        var e = Assert.Throws<InvalidDataException>(() => model.LoadCheckpoint(state, File));
        Assert.StartsWith(File + ":", e.Message);
        return e;
    }

    [Fact]
    public void Missing_keys_are_listed()
    {
        var e = Load(s => { s.Remove("decoder.blocks.3.conv.conv.bias"); s.Remove("post_quant_conv.conv.weight"); return s; });
        Assert.Contains("missing keys: decoder.blocks.3.conv.conv.bias, post_quant_conv.conv.weight", e.Message);
        Assert.Contains("unexpected keys: none", e.Message);
    }

    [Fact]
    public void Unexpected_keys_are_listed()
    {
        var e = Load(s => { s["encoder.blocks.99.weight"] = new(DType.Float32, [8], new byte[32]); return s; });
        Assert.Contains("unexpected keys: encoder.blocks.99.weight", e.Message);
        Assert.Contains("missing keys: none", e.Message);
    }

    [Fact]
    public void Shape_mismatches_name_both_shapes()
    {
        var e = Load(s => { s["quant_conv_mu.conv.weight"] = new(DType.Float32, [3, 3, 1, 1], new byte[36]); return s; });
        Assert.Contains("quant_conv_mu.conv.weight: checkpoint [3, 3, 1, 1], model [3, 3, 1, 1, 1]", e.Message);
    }

    [Fact]
    public void A_checkpoint_of_another_configuration_is_refused()
    {
        using var model = new AutoencoderKL(AutoencoderKLConfig.BrainLdmBundle);
        var e = Assert.Throws<InvalidDataException>(() => model.LoadCheckpoint(Weights("ae3d_plain.safetensors"), File));
        Assert.Contains("shape mismatches: encoder.blocks.0.conv.weight: checkpoint [8, 1, 3, 3, 3], model [64, 1, 3, 3, 3]", e.Message);
    }
}
