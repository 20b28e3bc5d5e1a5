using BrainGen.Models.Denoisers;
using BrainGen.Torch;
using BrainGen.Torch.NN;

namespace BrainGen.Models.Tests.Denoisers;

/// <summary>Tiny DiT configs and inputs for the behaviour tests (the goldens use the fixture models).</summary>
internal static class DitTestModels
{
    public static DitConfig Tiny(int dims, int patch = 2, bool learnSigma = false, int[]? size = null, int covariates = 2) => new()
    {
        SpatialDims = dims, InputSize = size ?? (dims == 2 ? [8, 4] : [4, 2, 4]), PatchSize = patch, InChannels = 2,
        HiddenSize = 24, Depth = 2, NumHeads = 2, NumCovariates = covariates, FrequencyEmbeddingSize = 32, LearnSigma = learnSigma,
    };

    /// <summary>Every parameter N(0, 0.1): the zero-initialized layers would make every output 0.</summary>
    public static T Randomized<T>(T model, ulong seed) where T : Module
    {
        using var generator = new Generator(seed);
        foreach (var p in model.Parameters()) Init.Normal_(p, 0, 0.1, generator);
        return model;
    }

    // -> x (B, C, *S), timesteps (B,), covariates (B, K)
    public static (Tensor X, Tensor Timesteps, Tensor Covariates) Inputs(DitConfig config, long batch, ulong seed)
    {
        using var generator = new Generator(seed);
        var x = Tensor.Randn([batch, config.InChannels, .. config.LatentShape], generator);
        var t = Tensor.Rand([batch], generator) * 999.0;
        var covariates = Tensor.Rand([batch, Math.Max(config.NumCovariates, 1)], generator);
        return (x, t, covariates);
    }

    public static Tensor Mask(params bool[] given) => Tensor.FromArray(given, [given.Length]);
}
