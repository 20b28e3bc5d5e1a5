using BrainGen.Models.Checkpoints;
using BrainGen.Models.Denoisers;
using BrainGen.Torch;
using BrainGen.Torch.Serialization;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Tests.Diffusion;

public class DiffusionUNetKeyMappingTests
{
    private static readonly DiffusionUNetConfig Gm2d = UNetFixtures.Config("attn2d");

    public static TheoryData<string, string> McToGmNames => new()
    {
        { "down_blocks.1.attentions.0.transformer_blocks.0.attn1.out_proj.weight", "down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_out.0.weight" },
        { "middle_block.attention.transformer_blocks.1.attn2.out_proj.bias", "middle_block.attention.transformer_blocks.1.attn2.to_out.0.bias" },
        { "down_blocks.1.attentions.0.attn.to_q.weight", "down_blocks.1.attentions.0.to_q.weight" },
        { "middle_block.attention.attn.to_v.bias", "middle_block.attention.to_v.bias" },
        { "up_blocks.2.attentions.1.attn.out_proj.weight", "up_blocks.2.attentions.1.proj_attn.weight" },
        { "up_blocks.0.upsampler.postconv.conv.weight", "up_blocks.0.upsampler.conv.conv.weight" },
        { "up_blocks.0.resnets.0.conv1.conv.weight", "up_blocks.0.resnets.0.conv1.conv.weight" },
        { "down_blocks.0.downsampler.op.conv.bias", "down_blocks.0.downsampler.op.conv.bias" },
    };

    [Theory]
    [MemberData(nameof(McToGmNames))]
    public void MapsEachMonaiCoreNameToItsGenerativeName(string mc, string gm)
    {
        var square = mc.EndsWith(".weight") && mc.Contains("out_proj") && !mc.Contains("transformer_blocks") ? Eye(4) : Zeros([4]);
        var state = new Dictionary<string, HostTensor> { [mc] = square, ["middle_block.attention.attn.to_k.weight"] = Zeros([4, 4]) };
        var mapped = DiffusionUNetKeyMapping.ToGenerative(state, Gm2d);
        Assert.Contains(gm, mapped.Keys);
        Assert.Same(square, mapped[gm]);
    }

    [Fact]
    public void DetectsTheNaming()
    {
        Assert.Equal(DiffusionUNetNaming.MonaiGenerative, DiffusionUNetKeyMapping.Detect(UNetFixtures.Weights("cond3d").Keys));
        Assert.Equal(DiffusionUNetNaming.MonaiGenerative, DiffusionUNetKeyMapping.Detect(UNetFixtures.Weights("attn2d").Keys));
        foreach (var file in new[] { "cond3d.mc", "attn2d.mc", "attn2d.mcnofc" })
            Assert.Equal(DiffusionUNetNaming.MonaiCore, DiffusionUNetKeyMapping.Detect(SafeTensors.Load(UNetFixtures.PathOf($"{file}.safetensors")).Keys));
        var gm = UNetFixtures.Weights("cond3d");
        Assert.Same(gm, DiffusionUNetKeyMapping.ToGenerative(gm, UNetFixtures.Config("cond3d")));  // GM passes through untouched
    }

    [Fact]
    public void IncludeFcFalseCheckpointsGetAnIdentityProjAttn()
    {
        var mapped = DiffusionUNetKeyMapping.ToGenerative(SafeTensors.Load(UNetFixtures.PathOf("attn2d.mcnofc.safetensors")), Gm2d);
        var weight = mapped["middle_block.attention.proj_attn.weight"];
        Assert.Equal([16L, 16], weight.Shape);
        Assert.Equal(Eye(16).Data, weight.Data);
        Assert.All(mapped["middle_block.attention.proj_attn.bias"].Data, b => Assert.Equal(0, b));
        Assert.Equal(UNetFixtures.Weights("attn2d").Keys.Order(), mapped.Keys.Order());
    }

    [Fact]
    public void ALiveMonaiCoreOutputProjectionIsRefusedUnderGenerativeSemantics()
    {
        var state = SafeTensors.Load(UNetFixtures.PathOf("attn2d.mc.safetensors")).ToDictionary();
        state["middle_block.attention.attn.out_proj.weight"] = UNetFixtures.Weights("attn2d")["middle_block.attention.proj_attn.weight"];
        var e = Assert.Throws<InvalidDataException>(() => DiffusionUNetKeyMapping.ToGenerative(state, Gm2d, "unet_mc.pt"));
        Assert.Contains("unet_mc.pt: middle_block.attention.attn.out_proj.weight is a live output projection", e.Message);
        Assert.Contains("attention_output_projection=true", e.Message);
    }

    /// <summary>MC include_fc=True applying its out_proj (here: attn2d's random proj_attn) = attention_output_projection=true.</summary>
    [Fact]
    public void AttentionOutputProjectionReproducesMonaiCoreIncludeFc()
    {
        var live = UNetFixtures.Case("attn2d").GetProperty("live_fc");
        Assert.Equal(System.Text.Json.JsonValueKind.Object, live.ValueKind);  // written when MONAI-core was at hand
        using var scope = NewDisposeScope();
        using var noGrad = NoGrad();
        using var model = new DiffusionUNet(Gm2d with { AttentionOutputProjection = true });
        model.LoadCheckpoint(UNetFixtures.Weights("attn2d"), "attn2d.weights.safetensors");
        var io = UNetFixtures.Io("attn2d");
        var output = model.Forward(Tensor.FromHost(io["x"]), Tensor.FromHost(io["timesteps"]));
        Assert.True(UNetFixtures.MaxAbsDiff(output, Tensor.FromHost(io[live.GetProperty("output").GetString()!])) < 1e-4);
        Assert.True(UNetFixtures.MaxAbsDiff(output, Tensor.FromHost(io["out_plain"])) > 0.1);  // and GM semantics differ
    }

    /// <summary>MC use_combined_linear=True stores [q; k; v] rows in one qkv (checked against MONAI-core when written).</summary>
    [Theory]
    [InlineData("cond3d", "ctx3")]
    [InlineData("attn2d", "plain")]
    public void CombinedQkvProjectionsAreSplit(string caseName, string run)
    {
        var gm = UNetFixtures.Weights(caseName);
        var combined = new Dictionary<string, HostTensor>();
        foreach (var (key, value) in gm)
        {
            bool transformer = key.Contains(".attn1.to_q.") || key.Contains(".attn1.to_k.") || key.Contains(".attn1.to_v.");
            bool plain = !key.Contains("transformer_blocks") && (key.Contains(".to_q.") || key.Contains(".to_k.") || key.Contains(".to_v."));
            if (!transformer && !plain) { combined[key] = value; continue; }
            if (!key.Contains(".to_q.")) continue;
            string Name(string p) => key.Replace(".to_q.", $".{p}.");
            var parts = new[] { "to_q", "to_k", "to_v" }.Select(p => gm[Name(p)]).ToArray();
            string target = transformer ? Name("qkv") : key.Replace(".to_q.", ".attn.qkv.");
            combined[target] = new HostTensor(value.DType, [value.Shape[0] * 3, .. value.Shape[1..]], [.. parts.SelectMany(p => p.Data)]);
            if (plain && key.EndsWith(".weight"))
            {
                string block = key[..^".to_q.weight".Length];
                combined.Remove($"{block}.proj_attn.weight");
                combined.Remove($"{block}.proj_attn.bias");
                combined[$"{block}.attn.out_proj.weight"] = Eye(value.Shape[0]);
                combined[$"{block}.attn.out_proj.bias"] = Zeros([value.Shape[0]]);
            }
        }
        foreach (var k in combined.Keys.Where(k => k.Contains(".proj_attn.")).ToList()) combined.Remove(k);
        Assert.Contains(combined.Keys, k => k.Contains(".qkv."));

        using var scope = NewDisposeScope();
        using var noGrad = NoGrad();
        using var model = new DiffusionUNet(UNetFixtures.Config(caseName));
        model.LoadCheckpoint(combined, "combined");
        var io = UNetFixtures.Io(caseName);
        var spec = UNetFixtures.Case(caseName).GetProperty("runs").GetProperty(run);
        var context = spec.GetProperty("context").GetString() is { } c ? Tensor.FromHost(io[c]) : null;
        var output = model.Forward(Tensor.FromHost(io["x"]), Tensor.FromHost(io["timesteps"]), context);
        Assert.True(UNetFixtures.MaxAbsDiff(output, Tensor.FromHost(io[$"out_{run}"])) < 1e-4);
    }

    internal static HostTensor Zeros(long[] shape) => new(DType.Float32, shape, new byte[shape.Aggregate(1L, (a, b) => a * b) * 4]);

    internal static HostTensor Eye(long n)
    {
        var values = new float[n * n];
        for (long i = 0; i < n; i++) values[i * n + i] = 1;
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return new HostTensor(DType.Float32, [n, n], bytes);
    }
}
