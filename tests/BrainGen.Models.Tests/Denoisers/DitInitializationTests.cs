using BrainGen.Models.Denoisers;
using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Tests.Denoisers;

/// <summary>DiT's initialize_weights: xavier Linears, the patch conv as a Linear, N(0, 0.02) embedders, adaLN-Zero.</summary>
public class DitInitializationTests
{
    public static TheoryData<int, int, bool> Variants => new()
    {
        { 2, 2, false }, { 2, 1, true }, { 3, 2, false }, { 3, 1, true },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void AFreshModelOutputsExactlyZero(int dims, int patch, bool learnSigma)
    {
        var config = DitTestModels.Tiny(dims, patch, learnSigma);
        using var model = new Dit(config);
        using var scope = NewDisposeScope();
        var (x, t, covariates) = DitTestModels.Inputs(config, 3, 4);
        var output = model.Forward(x, t, covariates, DitTestModels.Mask(true, false, true));
        Assert.All(output.ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.True(x.Abs().Max().ToDouble() > 0);
    }

    [Fact]
    public void ModulationAndOutputLayersStartAtZeroAndEverythingElseDoesNot()
    {
        using var model = new Dit(DitTestModels.Tiny(3));
        var zero = new HashSet<string>(model.NamedParameters().Where(p => p.Value.Abs().Max().ToDouble() == 0).Select(p => p.Key));
        var expectedZero = model.NamedParameters().Select(p => p.Key)
            .Where(k => k.Contains("adaLN_modulation.1.") || k.StartsWith("final_layer.linear.") || k.EndsWith(".bias")).ToHashSet();
        Assert.Equal(expectedZero.Order(), zero.Order());
        Assert.Contains("blocks.1.adaLN_modulation.1.weight", zero);
        Assert.Contains("final_layer.adaLN_modulation.1.bias", zero);
    }

    [Fact]
    public void LinearsAreXavierThePatchConvAsALinearAndEmbeddersNormal002()
    {
        var config = DitTestModels.Tiny(3, size: [8, 8, 8], covariates: 3) with { HiddenSize = 96, FrequencyEmbeddingSize = 256 };
        using var model = new Dit(config);
        using var scope = NewDisposeScope();
        void WithinXavier(Tensor w, long fanIn, long fanOut, string what)
        {
            double bound = Math.Sqrt(6.0 / (fanIn + fanOut)), max = w.Abs().Max().ToDouble();
            Assert.True(max <= bound && max > 0.9 * bound, $"{what}: max |w| {max} against the xavier bound {bound}");
        }
        var qkv = model.Blocks[0].Attn.Qkv.Weight;
        WithinXavier(qkv, qkv.Size(1), qkv.Size(0), "attn.qkv");
        WithinXavier(model.Blocks[1].Mlp.Fc2.Weight, config.MlpHiddenSize, config.HiddenSize, "mlp.fc2");
        long patchInputs = config.InChannels * 2 * 2 * 2;  // xavier on the (D, C·p³) view, not the conv's own fans
        WithinXavier(model.XEmbedder.Proj.Weight, patchInputs, config.HiddenSize, "x_embedder.proj");

        foreach (var (name, w) in new[] { ("t_embedder.mlp.0", model.TEmbedder.Linear1.Weight), ("t_embedder.mlp.2", model.TEmbedder.Linear2.Weight),
                                          ("y_embedder.mlp.2", model.YEmbedder!.Linear2.Weight) })
        {
            double std = w.Std().ToDouble();
            Assert.True(Math.Abs(std - 0.02) < 0.001, $"{name}: std {std}, expected 0.02");
        }
        Assert.True(model.YEmbedder.NullEmbedding.Abs().Max().ToDouble() is > 0 and < 0.1);
    }

    [Fact]
    public void AGeneratorMakesTheInitializationReproducible()
    {
        var config = DitTestModels.Tiny(2);
        using var g1 = new Generator(11);
        using var g2 = new Generator(11);
        using var a = new Dit(config, g1);
        using var b = new Dit(config, g2);
        foreach (var ((key, pa), (_, pb)) in a.StateDict().Zip(b.StateDict()))
            Assert.True(pa.ToArray<float>().SequenceEqual(pb.ToArray<float>()), key);
    }
}
