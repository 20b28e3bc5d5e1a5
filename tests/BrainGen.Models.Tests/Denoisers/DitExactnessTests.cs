using BrainGen.Models.Blocks;
using BrainGen.Models.Denoisers;
using BrainGen.Torch;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Tests.Denoisers;

/// <summary>
/// Dit against facebookresearch/DiT's models.py (tools/fixtures/make_dit_fixtures.py): dit2d is DiT's own class
/// (square 8x8 latent, patch 2, learned sigma) with the covariate embedder swapped in; dit3d the same code written
/// for 3D (4x6x4 latent, patch 2³). Every tensor is random (the zero-initialized adaLN and final layers too), the
/// batch mixes given and not-given rows (one with a NaN covariate) and fractional timesteps.
/// </summary>
public class DitExactnessTests
{
    public static TheoryData<string> Cases => DitFixtures.NameData;

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardMatchesTheReference(string name)
    {
        using var model = DitFixtures.Loaded(name);
        using var scope = NewDisposeScope();
        var io = DitFixtures.Io(name);
        var output = model.Forward(Tensor.FromHost(io["x"]), Tensor.FromHost(io["timesteps"]),
                                   Tensor.FromHost(io["covariates"]), Tensor.FromHost(io["given"]));
        TensorAssert.Close(Tensor.FromHost(io["out"]), output, $"{name} output", rtol: 1e-5, atol: 1e-5);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EmbeddersMatchTheReference(string name)
    {
        using var model = DitFixtures.Loaded(name);
        using var scope = NewDisposeScope();
        var io = DitFixtures.Io(name);
        var covariates = Tensor.FromHost(io["covariates"]);
        var tEmb = model.TEmbedder.Forward(Tensor.FromHost(io["timesteps"]));
        var yEmb = model.YEmbedder!.Forward(covariates, Tensor.FromHost(io["given"]), covariates.Size(0));
        TensorAssert.Close(Tensor.FromHost(io["t_emb"]), tEmb, $"{name} t_embedder", rtol: 1e-5, atol: 1e-6);
        TensorAssert.Close(Tensor.FromHost(io["y_emb"]), yEmb, $"{name} y_embedder", rtol: 1e-5, atol: 1e-6);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PositionEmbeddingIsTheReferenceSinCos(string name)
    {
        // A fresh model's own embedding (before any load) against DiT's get_2d_sincos_pos_embed / the script's 3D one.
        using var model = new Dit(DitFixtures.Config(name));
        using var scope = NewDisposeScope();
        var expected = Tensor.FromHost(DitFixtures.Weights(name)["pos_embed"]);
        TensorAssert.Close(expected, model.PosEmbed, $"{name} pos_embed", rtol: 0, atol: 1e-6);
        TensorAssert.Close(expected, SinCosPositionEmbedding.Build(model.Config.HiddenSize, model.Config.GridShape), $"{name} Build", rtol: 0, atol: 1e-6);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StateDictHasTheReferenceKeysAndCounts(string name)
    {
        using var model = new Dit(DitFixtures.Config(name));
        var keys = model.StateDict().Select(e => e.Key).Order().ToArray();
        Assert.Equal(DitFixtures.Weights(name).Keys.Order().ToArray(), keys);
        Assert.Equal(DitFixtures.Case(name).GetProperty("tensors").GetInt32(), keys.Length);
        Assert.Equal(DitFixtures.Case(name).GetProperty("parameters").GetInt64(), model.ParameterCount());
        Assert.Contains("blocks.0.adaLN_modulation.1.weight", keys);
        Assert.Contains("x_embedder.proj.weight", keys);
        Assert.DoesNotContain(model.NamedParameters(), p => p.Key == "pos_embed");  // fixed: a buffer, never trained
    }
}
