using BrainGen.Models.Tokenizers;
using BrainGen.Models.Checkpoints;
using BrainGen.Torch;
using static BrainGen.Models.Tests.Autoencoders.AutoencoderFixtures;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Tests.Autoencoders;

/// <summary>MONAI-core (1.5) checkpoints, written by MC's own load_old_state_dict from the GM fixtures, load through the mapping table.</summary>
public sealed class AutoencoderKeyMappingTests
{
    public static TheoryData<string, string> McCheckpoints => new()
    {
        { "ae3d_plain", "ae3d_plain_mc.safetensors" },
        { "ae3d_attn", "ae3d_attn_mc.safetensors" },
        { "ae3d_attn", "ae3d_attn_mc_combined.safetensors" },
        { "ae2d", "ae2d_mc.safetensors" },
        { "ae2d", "ae2d_mc_combined.safetensors" },
    };

    [Theory, MemberData(nameof(McCheckpoints))]
    public void MONAI_core_checkpoints_map_to_the_GM_keys_and_reproduce_GM_outputs(string name, string file)
    {
        var mc = Weights(file);
        var gm = Weights(name + ".safetensors");
        Assert.Equal(AutoencoderCheckpointNaming.MonaiCore, AutoencoderKeyMapping.DetectNaming(mc.Keys));

        var mapped = AutoencoderKeyMapping.FromMonaiCore(mc, file, out var trained);
        Assert.Empty(trained);
        Assert.Equal(gm.Keys.Order(StringComparer.Ordinal), mapped.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in gm)
            if (!key.Contains(".proj_attn.")) Assert.True(value.Data.AsSpan().SequenceEqual(mapped[key].Data), key);

        using var scope = NewDisposeScope();
        using var noGrad = NoGrad();
        using var model = Model(name, file);
        var io = Io(name + ".io.safetensors");
        Close(io["decoded"], model.Decode(io["z"]), $"{file} decode");
        Close(io["reconstructed"], model.Reconstruct(io["x"]), $"{file} reconstruct");
    }

    [Theory]
    [InlineData("ae3d_plain")]
    [InlineData("ae3d_attn")]
    [InlineData("ae2d")]
    public void GM_to_MONAI_core_renaming_equals_MCs_load_old_state_dict(string name)
    {
        var gm = Weights(name + ".safetensors");
        var mc = Weights(name + "_mc.safetensors");
        Assert.Equal(AutoencoderCheckpointNaming.MonaiGenerative, AutoencoderKeyMapping.DetectNaming(gm.Keys));
        var renamed = AutoencoderKeyMapping.ToMonaiCore(gm);
        Assert.Equal(mc.Keys.Order(StringComparer.Ordinal), renamed.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in mc)
        {
            Assert.Equal(value.Shape, renamed[key].Shape);
            Assert.True(value.Data.AsSpan().SequenceEqual(renamed[key].Data), key);
        }
    }

    [Fact]
    public void The_bundle_differs_from_MONAI_core_only_in_the_decoder_upsample_convs()
    {
        using var model = new AutoencoderKL(AutoencoderKLConfig.BrainLdmBundle);
        var gmKeys = model.StateDict().Select(e => e.Key).ToList();
        var changed = gmKeys.Where(k => !AutoencoderKeyMapping.ToMonaiCore(Stub(k)).ContainsKey(k)).ToList();
        Assert.Equal(
            ["decoder.blocks.3.conv.conv.weight", "decoder.blocks.3.conv.conv.bias", "decoder.blocks.6.conv.conv.weight",
             "decoder.blocks.6.conv.conv.bias", "decoder.blocks.9.conv.conv.weight", "decoder.blocks.9.conv.conv.bias"],
            changed);
    }

    [Fact]
    public void MC_without_out_proj_include_fc_false_loads_with_an_identity_proj_attn()
    {
        var mc = Weights("ae3d_attn_mc.safetensors").Where(e => !e.Key.Contains(".attn.out_proj.")).ToDictionary();
        using var scope = NewDisposeScope();
        using var noGrad = NoGrad();
        using var model = AutoencoderKL.FromCheckpoint(Config("ae3d_attn"), mc, "include_fc=False");
        Close(Io("ae3d_attn.io.safetensors")["decoded"], model.Decode(Io("ae3d_attn.io.safetensors")["z"]), "decode");
    }

    [Fact]
    public void A_natively_trained_MC_model_needs_AttentionOutputProjection_and_then_matches_MC()
    {
        string file = "ae3d_attn_mc_native.safetensors";
        using (var gmSemantics = new AutoencoderKL(Config("ae3d_attn")))
        {
            var e = Assert.Throws<InvalidDataException>(() => gmSemantics.LoadCheckpoint(Weights(file), PathOf(file)));
            Assert.Contains(PathOf(file), e.Message);
            Assert.Contains("AttentionOutputProjection", e.Message);
            Assert.Contains("decoder.blocks.2.attn.out_proj.weight", e.Message);
        }
        using var scope = NewDisposeScope();
        using var noGrad = NoGrad();
        using var model = Model("ae3d_attn", file, Config("ae3d_attn") with { AttentionOutputProjection = true });
        var io = Io("ae3d_attn_mc_native.io.safetensors");
        var (mu, sigma) = model.Encode(io["x"]);
        Close(io["mu"], mu, "mu");
        Close(io["sigma"], sigma, "sigma");
        Close(io["decoded"], model.Decode(io["z"]), "decode");
    }

    [Fact]
    public void MC_transposed_convolution_upsampling_is_refused_by_name()
    {
        var state = new Dictionary<string, HostTensor>(Weights("ae3d_plain_mc.safetensors"))
        {
            ["decoder.blocks.3.deconv.weight"] = new(DType.Float32, [1], new byte[4]),
        };
        var e = Assert.Throws<InvalidDataException>(() => AutoencoderKeyMapping.FromMonaiCore(state, "x.pt", out _));
        Assert.Contains("x.pt: decoder.blocks.3.deconv.weight", e.Message);
    }

    private static Dictionary<string, HostTensor> Stub(string key) => new() { [key] = new(DType.Float32, [1], new byte[4]) };
}
