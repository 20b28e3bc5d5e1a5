using BrainGen.Models.Blocks;
using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Denoisers;

/// <summary>
/// The Diffusion Transformer of Peebles and Xie 2023 (facebookresearch/DiT <c>models.py</c>) for 2D or 3D latents:
/// patchify (p² or p³ voxels per token, a strided conv), a fixed sin-cos position embedding, <c>depth</c>
/// adaLN-Zero blocks conditioned on c = timestep embedding + covariate embedding, the final adaLN + linear
/// layer, and unpatchify. The covariate embedder (an MLP of K normalized covariates with a learned null
/// embedding for classifier-free guidance) stands in DiT's <c>y_embedder</c>; everything else keeps DiT's
/// state_dict names (<c>x_embedder.proj</c>, <c>t_embedder.mlp.{0,2}</c>, <c>pos_embed</c>,
/// <c>blocks.i.{attn.qkv,attn.proj,mlp.fc1,mlp.fc2,adaLN_modulation.1}</c>,
/// <c>final_layer.{linear,adaLN_modulation.1}</c>), so DiT's weights for the same shapes load by name.
/// Initialized as DiT's <c>initialize_weights</c>: the model's output starts at exactly zero.
/// </summary>
public sealed class Dit : Module, IDenoiser
{
    public const string DenoiserKind = "dit";

    public Dit(DitConfig config, Generator? generator = null)
    {
        Config = config.Validate();
        var c = Config;
        XEmbedder = RegisterModule("x_embedder", new DitPatchEmbed(c.SpatialDims, c.InChannels, c.HiddenSize, c.PatchSize));
        TEmbedder = RegisterModule("t_embedder", new DitTimestepEmbedder(c.HiddenSize, c.FrequencyEmbeddingSize));
        if (c.NumCovariates > 0) YEmbedder = RegisterModule("y_embedder", new CovariateEmbedder(c.NumCovariates, c.HiddenSize));
        // Fixed, not learned (DiT: a Parameter with requires_grad=False); in the state dict as DiT's.
        PosEmbed = RegisterBuffer("pos_embed", SinCosPositionEmbedding.Build(c.HiddenSize, c.GridShape));
        Blocks = RegisterModule("blocks", new ModuleList<DitBlock>(
            Enumerable.Range(0, c.Depth).Select(_ => new DitBlock(c.HiddenSize, c.NumHeads, c.MlpHiddenSize))));
        FinalLayer = RegisterModule("final_layer", new DitFinalLayer(c.HiddenSize, c.PatchFeatures));
        InitializeWeights(generator);
    }

    public DitConfig Config { get; }
    public DitPatchEmbed XEmbedder { get; }
    public DitTimestepEmbedder TEmbedder { get; }
    public CovariateEmbedder? YEmbedder { get; }
    /// <summary>(1, T, D) sin-cos embedding of the token grid.</summary>
    public Tensor PosEmbed { get; }
    public ModuleList<DitBlock> Blocks { get; }
    public DitFinalLayer FinalLayer { get; }

    /// <summary>DiT's <c>initialize_weights</c>, in its order.</summary>
    private void InitializeWeights(Generator? generator)
    {
        // Transformer layers: xavier_uniform weights, zero biases (every Linear, embedders included, as _basic_init).
        foreach (var (_, module) in NamedModules())
        {
            if (module is not Linear linear) continue;
            Init.XavierUniform_(linear.Weight, generator: generator);
            if (linear.Bias is not null) Init.Zeros_(linear.Bias);
        }
        // Patch embedding like a Linear (instead of a conv): xavier on the (D, C·p^n) view.
        using (var asLinear = XEmbedder.Proj.Weight.View(Config.HiddenSize, -1)) Init.XavierUniform_(asLinear, generator: generator);
        Init.Zeros_(XEmbedder.Proj.Bias!);
        // Embedders N(0, 0.02): the covariate MLP and null embedding in place of DiT's label table.
        if (YEmbedder is not null)
        {
            Init.Normal_(YEmbedder.Linear1.Weight, 0, 0.02, generator);
            Init.Normal_(YEmbedder.Linear2.Weight, 0, 0.02, generator);
            Init.Normal_(YEmbedder.NullEmbedding, 0, 0.02, generator);
        }
        Init.Normal_(TEmbedder.Linear1.Weight, 0, 0.02, generator);
        Init.Normal_(TEmbedder.Linear2.Weight, 0, 0.02, generator);
        // adaLN-Zero: every block starts as the identity, and the output layers at zero.
        foreach (var block in Blocks) ZeroLinear(block.Modulation);
        ZeroLinear(FinalLayer.Modulation);
        ZeroLinear(FinalLayer.Linear);
    }

    private static void ZeroLinear(Linear linear)
    {
        Init.Zeros_(linear.Weight);
        Init.Zeros_(linear.Bias!);
    }

    /// <summary>
    /// Predicts the model output (ε, v or x0: whatever it was trained for; with learn_sigma the first
    /// in_channels channels are that, the rest the variance interpolation values of IDDPM).
    /// </summary>
    /// <param name="x">(B, in_channels, *input_size) noisy latents.</param>
    /// <param name="timesteps">(B,) or (1,) (one step for the batch), integer or fractional; a 0-d tensor counts as (1,).</param>
    /// <param name="covariates">(B, K) normalized covariates; null: no row is conditioned (every row takes the null embedding).</param>
    /// <param name="given">(B,) bool: rows whose covariates are given; the rest take the null embedding (the CFG
    /// unconditional), whatever their values (NaN included). Null: every row is given.</param>
    /// <returns>(B, out_channels, *input_size)</returns>
    public Tensor Forward(Tensor x, Tensor timesteps, Tensor? covariates = null, Tensor? given = null)
    {
        CheckInputs(x, timesteps, covariates, given);
        using var scope = NewDisposeScope();
        long batch = x.Size(0);
        var steps = timesteps.Dim == 0 ? timesteps.Reshape(1) : timesteps;
        if (steps.Size(0) != batch) steps = steps.Expand(batch);

        var h = XEmbedder.Forward(x) + PosEmbed;                      // (B, T, D)
        var c = TEmbedder.Forward(steps);                             // (B, D)
        if (YEmbedder is not null) c = c + YEmbedder.Forward(covariates, given, batch);
        foreach (var block in Blocks) h = block.Forward(h, c);        // (B, T, D)
        h = FinalLayer.Forward(h, c);                                 // (B, T, p^n·C_out)
        return Unpatchify(h).MoveToOuterScope();                      // (B, C_out, *S)
    }

    string IDenoiser.Kind => DenoiserKind;
    Module IDenoiser.Network => this;
    int IDenoiser.LatentChannels => Config.InChannels;

    /// <summary><see cref="Forward"/>; with learned sigma only the model output (the first in_channels channels), as DiT's sampling uses.</summary>
    Tensor IDenoiser.Predict(Tensor latents, Tensor timesteps, Tensor? covariates, Tensor? given)
    {
        var output = Forward(latents, timesteps, Config.NumCovariates > 0 ? covariates : null, Config.NumCovariates > 0 ? given : null);
        if (!Config.LearnSigma) return output;
        using (output) return output.Narrow(1, 0, Config.InChannels).Contiguous();
    }

    /// <summary>
    /// DiT's <c>unpatchify</c> for n spatial axes: (B, T, p^n·C) with tokens in row-major grid order and each
    /// token's values in (p, …, p, C) order -> (B, C, g0·p, …, g_{n-1}·p); in 2D einsum('nhwpqc->nchpwq').
    /// </summary>
    public Tensor Unpatchify(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        int n = Config.SpatialDims;
        long b = tokens.Size(0), p = Config.PatchSize, channels = Config.OutChannels;
        long[] grid = Config.GridShape;
        var split = tokens.Reshape([b, .. grid, .. Enumerable.Repeat(p, n), channels]);   // (B, g..., p..., C)
        var order = new List<long> { 0, 2 * n + 1 };                                      // (B, C, g0, p, g1, p, ...)
        for (int axis = 0; axis < n; axis++) order.AddRange([1 + axis, 1 + n + axis]);
        var image = split.Permute([.. order]).Reshape([b, channels, .. grid.Select(g => g * p)]);
        return image.MoveToOuterScope();
    }

    private void CheckInputs(Tensor x, Tensor timesteps, Tensor? covariates, Tensor? given)
    {
        var c = Config;
        string Shape(Tensor t) => $"[{string.Join(", ", t.Shape)}]";
        if (x.Dim != c.SpatialDims + 2 || x.Size(1) != c.InChannels || !x.Shape.Skip(2).SequenceEqual(c.LatentShape))
            throw new ArgumentException($"x must be (B, {c.InChannels}, {string.Join(", ", c.LatentShape)}) for this DiT (input_size is fixed by its position embedding); got {Shape(x)}");
        long batch = x.Size(0);
        long n = timesteps.Dim == 0 ? 1 : timesteps.Size(0);
        if (timesteps.Dim > 1 || (n != 1 && n != batch))
            throw new ArgumentException($"timesteps must be (B,) or (1,) with B={batch}; got {Shape(timesteps)}");
        if (covariates is not null && c.NumCovariates == 0)
            throw new ArgumentException("covariates were given but the DiT has num_covariates=0 (unconditional)");
        if (covariates is not null && (covariates.Dim != 2 || covariates.Size(0) != batch || covariates.Size(1) != c.NumCovariates))
            throw new ArgumentException($"covariates must be (B, {c.NumCovariates}) with B={batch}; got {Shape(covariates)}");
        if (given is not null && covariates is null)
            throw new ArgumentException("a given mask was passed without covariates: pass the covariates, or neither for an unconditional pass");
        if (given is not null && (given.DType != DType.Bool || given.Dim != 1 || given.Size(0) != batch))
            throw new ArgumentException($"given must be a (B,) bool mask with B={batch}; got {given.DType} {Shape(given)}");
    }

    /// <summary>
    /// Loads a state dict under DiT's names, strictly: the error names <paramref name="source"/> (e.g. the file)
    /// and lists missing, unexpected and shape-mismatched keys.
    /// </summary>
    public StateDictLoadResult LoadCheckpoint(IReadOnlyDictionary<string, HostTensor> state, string source = "state dict") =>
        LoadStateDict(state, strict: true, source: source);
}
