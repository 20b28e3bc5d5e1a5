using BrainGen.Models.Blocks;
using BrainGen.Models.Checkpoints;
using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Tokenizers;

/// <summary>
/// KL-regularized autoencoder (Rombach et al. 2022; Pinaya et al. 2022), block for block and name for name
/// MONAI Generative's <c>generative.networks.nets.AutoencoderKL</c>, so the brain-LDM bundle's
/// <c>autoencoder.pth</c> loads strictly. MONAI-core (1.4+) checkpoints load through
/// <see cref="AutoencoderKeyMapping"/>. Keys: encoder.blocks.N…, decoder.blocks.N…, quant_conv_mu.conv,
/// quant_conv_log_sigma.conv, post_quant_conv.conv.
/// </summary>
public sealed class AutoencoderKL : Module, ITokenizer
{
    /// <summary>The kind model.json names it by.</summary>
    public const string TokenizerKind = "autoencoder_kl";

    public AutoencoderKL(AutoencoderKLConfig config)
    {
        Config = config.Validate();
        int dims = config.SpatialDims, latent = config.LatentChannels;
        Encoder = RegisterModule("encoder", new AutoencoderKLEncoder(config));
        Decoder = RegisterModule("decoder", new AutoencoderKLDecoder(config));
        QuantConvMu = RegisterModule("quant_conv_mu", new Convolution(dims, latent, latent, kernelSize: 1));
        QuantConvLogSigma = RegisterModule("quant_conv_log_sigma", new Convolution(dims, latent, latent, kernelSize: 1));
        PostQuantConv = RegisterModule("post_quant_conv", new Convolution(dims, latent, latent, kernelSize: 1));
    }

    public AutoencoderKLConfig Config { get; }
    public AutoencoderKLEncoder Encoder { get; }
    public AutoencoderKLDecoder Decoder { get; }
    public Convolution QuantConvMu { get; }
    public Convolution QuantConvLogSigma { get; }
    public Convolution PostQuantConv { get; }

    /// <summary>The latent's shape for an image of <paramref name="imageShape"/> (B, C, *S): each size n halves to ceil(n/2) per level.</summary>
    public long[] LatentShape(long[] imageShape)
    {
        var s = imageShape.Skip(2).ToArray();
        for (int i = 1; i < Config.Levels; i++) s = s.Select(n => (n + 1) / 2).ToArray();
        return [imageShape[0], Config.LatentChannels, .. s];
    }

    /// <summary>(B, Cin, *S) -> mu, sigma (B, latent, *S/f). log-variance is clamped to [-30, 20] before sigma = exp(logvar/2).</summary>
    public (Tensor Mu, Tensor Sigma) Encode(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (mu, logVar) = EncodePosterior(x);
        var sigma = (logVar / 2.0).Exp();
        return (mu.MoveToOuterScope(), sigma.MoveToOuterScope());
    }

    // (B, Cin, *S) -> mu, clamped log-variance (B, latent, *S/f), in the caller's scope.
    private (Tensor Mu, Tensor LogVar) EncodePosterior(Tensor x)
    {
        var h = Encoder.Forward(x);
        return (QuantConvMu.Forward(h), QuantConvLogSigma.Forward(h).Clamp(-30.0, 20.0));
    }

    string ITokenizer.Kind => TokenizerKind;
    Module ITokenizer.Network => this;
    int ITokenizer.LatentChannels => Config.LatentChannels;

    /// <summary>BrainGen trains it on images normalized to [0, 1] (the MONAI bundle's too).</summary>
    (double Min, double Max) ITokenizer.IntensityRange => (0, 1);

    /// <summary>The posterior's mean and log-variance; the latents are a reparameterized sample with a generator, else the mean. Side information is not used.</summary>
    TokenizerEncoding ITokenizer.Encode(Tensor images, TokenizerSideInformation? side, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var (mu, logVar) = EncodePosterior(images);
        var latents = generator is null ? mu.Alias() : Sample(mu, (logVar / 2.0).Exp(), generator);
        return new TokenizerEncoding(latents.MoveToOuterScope(), mu.MoveToOuterScope(), logVar.MoveToOuterScope());
    }

    Tensor ITokenizer.Decode(Tensor latents, TokenizerSideInformation? side) => Decode(latents);

    /// <summary>The reparameterized sample mu + eps·sigma, eps ~ N(0, I) drawn from <paramref name="generator"/> (GM <c>sampling</c>).</summary>
    public static Tensor Sample(Tensor mu, Tensor sigma, Generator? generator = null)
    {
        using var eps = Tensor.Randn(sigma.Shape, generator, sigma.DType, sigma.Device);
        using var noise = eps * sigma;
        return mu + noise;
    }

    /// <summary>GM <c>encode_stage_2_inputs</c>: encode and sample (the diffusion model's training latents).</summary>
    public Tensor EncodeStage2Inputs(Tensor x, Generator? generator = null)
    {
        var (mu, sigma) = Encode(x);
        using (mu)
        using (sigma)
            return Sample(mu, sigma, generator);
    }

    /// <summary>(B, latent, *S/f) -> (B, Cout, *S): decoder(post_quant_conv(z)). No scale factor is applied (the bundle uses none).</summary>
    public Tensor Decode(Tensor z)
    {
        using var h = PostQuantConv.Forward(z);
        return Decoder.Forward(h);
    }

    /// <summary>
    /// <see cref="Decode(Tensor)"/> computed slab by slab along one spatial axis, for volumes whose full-resolution
    /// activations do not fit in memory at once; equals the full decode up to float rounding (see <see cref="SlabDecoder"/>).
    /// </summary>
    public Tensor Decode(Tensor z, SlabDecodeOptions options)
    {
        using var h = PostQuantConv.Forward(z);
        return new SlabDecoder(Decoder, options).Forward(h);
    }

    /// <summary>GM <c>decode_stage_2_outputs</c> = <see cref="Decode(Tensor)"/>.</summary>
    public Tensor DecodeStage2Outputs(Tensor z) => Decode(z);

    /// <summary>Encode and decode the mean (no sampling).</summary>
    public Tensor Reconstruct(Tensor x)
    {
        var (mu, sigma) = Encode(x);
        sigma.Dispose();
        using (mu) return Decode(mu);
    }

    /// <summary>GM <c>forward</c>: (reconstruction of a sample, mu, sigma).</summary>
    public (Tensor Reconstruction, Tensor Mu, Tensor Sigma) Forward(Tensor x, Generator? generator = null)
    {
        var (mu, sigma) = Encode(x);
        using var z = Sample(mu, sigma, generator);
        return (Decode(z), mu, sigma);
    }

    /// <summary>
    /// Loads a GM- or MONAI-core-named state dict (e.g. from <c>PthFile.ReadStateDict</c> or safetensors) strictly:
    /// any missing, unexpected or mis-shaped key is an <see cref="InvalidDataException"/> naming
    /// <paramref name="source"/> and listing the keys.
    /// </summary>
    public StateDictLoadResult LoadCheckpoint(IReadOnlyDictionary<string, HostTensor> state, string source = "state dict",
                                              AutoencoderCheckpointNaming naming = AutoencoderCheckpointNaming.Detect)
    {
        if (naming == AutoencoderCheckpointNaming.Detect) naming = AutoencoderKeyMapping.DetectNaming(state.Keys);
        if (naming == AutoencoderCheckpointNaming.MonaiCore)
        {
            state = AutoencoderKeyMapping.FromMonaiCore(state, source, out var trainedOutProj);
            if (trainedOutProj.Count > 0 && !Config.AttentionOutputProjection)
                throw new InvalidDataException(
                    $"{source}: MONAI-core attention out_proj is not the identity in {string.Join(", ", trainedOutProj)}; " +
                    "GM semantics ignore it (proj_attn is dead), so this checkpoint needs AttentionOutputProjection = true");
        }
        return LoadStateDict(state, strict: true, source);
    }

    /// <summary>A model built from <paramref name="config"/> with the weights of <paramref name="state"/>.</summary>
    public static AutoencoderKL FromCheckpoint(AutoencoderKLConfig config, IReadOnlyDictionary<string, HostTensor> state, string source = "state dict")
    {
        var model = new AutoencoderKL(config);
        try
        {
            model.LoadCheckpoint(state, source);
            model.Eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}

/// <summary>GM <c>Encoder</c>: conv_in, per level ResBlocks (+ attention), Downsample between levels, optional non-local block, GroupNorm, conv to latent.</summary>
public sealed class AutoencoderKLEncoder : Module<Tensor, Tensor>
{
    public AutoencoderKLEncoder(AutoencoderKLConfig c)
    {
        int dims = c.SpatialDims, groups = c.NormNumGroups;
        double eps = c.NormEps;
        var blocks = new ModuleList<Module<Tensor, Tensor>>();
        blocks.Add(new Convolution(dims, c.InChannels, c.Channels[0], kernelSize: 3));
        int channels = c.Channels[0];
        for (int level = 0; level < c.Levels; level++)
        {
            for (int r = 0; r < c.NumResBlocks[level]; r++)
            {
                blocks.Add(new AutoencoderResBlock(dims, channels, c.Channels[level], groups, eps));
                channels = c.Channels[level];
                if (c.AttentionLevels[level])
                    blocks.Add(new AttentionBlock(channels, channels, groups, eps, c.AttentionOutputProjection));
            }
            if (level < c.Levels - 1) blocks.Add(new AutoencoderDownsample(dims, channels));
        }
        int last = c.Channels[^1];
        if (c.WithEncoderNonLocalAttention)
        {
            blocks.Add(new AutoencoderResBlock(dims, last, last, groups, eps));
            blocks.Add(new AttentionBlock(last, last, groups, eps, c.AttentionOutputProjection));
            blocks.Add(new AutoencoderResBlock(dims, last, last, groups, eps));
        }
        blocks.Add(new GroupNorm(groups, last, eps));
        blocks.Add(new Convolution(dims, last, c.LatentChannels, kernelSize: 3));
        Blocks = RegisterModule("blocks", blocks);
    }

    public ModuleList<Module<Tensor, Tensor>> Blocks { get; }

    // (B, Cin, *S) -> (B, latent, *S/f)
    public override Tensor Forward(Tensor x) => RunBlocks(Blocks, x);

    /// <summary>Applies blocks in order, freeing each intermediate as soon as the next exists.</summary>
    internal static Tensor RunBlocks(IEnumerable<Module<Tensor, Tensor>> blocks, Tensor x)
    {
        var h = x;
        foreach (var block in blocks)
        {
            var next = block.Forward(h);
            if (!ReferenceEquals(h, x)) h.Dispose();
            h = next;
        }
        return ReferenceEquals(h, x) ? x.Alias() : h;
    }
}

/// <summary>GM <c>Decoder</c>: conv_in, optional non-local block, per reversed level ResBlocks (+ attention), Upsample between levels, GroupNorm, conv out.</summary>
public sealed class AutoencoderKLDecoder : Module<Tensor, Tensor>
{
    public AutoencoderKLDecoder(AutoencoderKLConfig c)
    {
        int dims = c.SpatialDims, groups = c.NormNumGroups;
        double eps = c.NormEps;
        var channelsRev = c.Channels.Reverse().ToArray();
        var resRev = c.NumResBlocks.Reverse().ToArray();
        var attnRev = c.AttentionLevels.Reverse().ToArray();
        var blocks = new ModuleList<Module<Tensor, Tensor>>();
        blocks.Add(new Convolution(dims, c.LatentChannels, channelsRev[0], kernelSize: 3));
        if (c.WithDecoderNonLocalAttention)
        {
            blocks.Add(new AutoencoderResBlock(dims, channelsRev[0], channelsRev[0], groups, eps));
            blocks.Add(new AttentionBlock(channelsRev[0], channelsRev[0], groups, eps, c.AttentionOutputProjection));
            blocks.Add(new AutoencoderResBlock(dims, channelsRev[0], channelsRev[0], groups, eps));
        }
        int channels = channelsRev[0];
        for (int level = 0; level < c.Levels; level++)
        {
            for (int r = 0; r < resRev[level]; r++)
            {
                blocks.Add(new AutoencoderResBlock(dims, channels, channelsRev[level], groups, eps));
                channels = channelsRev[level];
                if (attnRev[level])
                    blocks.Add(new AttentionBlock(channels, channels, groups, eps, c.AttentionOutputProjection));
            }
            if (level < c.Levels - 1) blocks.Add(new AutoencoderUpsample(dims, channels, c.UseConvTranspose));
        }
        blocks.Add(new GroupNorm(groups, channels, eps));
        blocks.Add(new Convolution(dims, channels, c.OutChannels, kernelSize: 3));
        Blocks = RegisterModule("blocks", blocks);
    }

    public ModuleList<Module<Tensor, Tensor>> Blocks { get; }

    // (B, latent, *S/f) -> (B, Cout, *S)
    public override Tensor Forward(Tensor z) => AutoencoderKLEncoder.RunBlocks(Blocks, z);
}
