using BrainGen.Models.Tokenizers;
using BrainGen.Models.Denoisers;

namespace BrainGen.Pipelines.Training;

/// <summary>
/// Parameter and activation counts of the networks, worked out from their configs without building
/// them (building a [4096, 4096]-channel autoencoder is itself what runs out of memory). Parameters
/// are exact (the tests compare them with the built modules); activations count, per sample, every
/// tensor a forward pass creates and autograd keeps for the backward pass, in elements:
/// a residual block at V voxels keeps about 2·Cin·V + 6·Cout·V (norms, SiLUs, convolutions, the
/// sum), an attention block 7·C·V plus two heads·V² score matrices. Upper-ish by design: a few of
/// those tensors are views or freed early. <see cref="LargestUnfold"/> is the column buffer of the
/// largest k > 1 convolution (Cin·k^d per output voxel): ATen's native convolutions, which run where
/// oneDNN does not (bf16 on CPUs without AVX-512, or oneDNN off), unfold their input into it.
/// </summary>
public sealed record NetworkFootprint(long Parameters, long TrainingActivations, long LargestActivation, long InferencePeak, long LargestUnfold)
{
    /// <summary>The KL autoencoder (encode, sample, decode) on an image of <paramref name="imageShape"/> voxels.</summary>
    public static NetworkFootprint Autoencoder(AutoencoderKLConfig c, IReadOnlyList<int> imageShape)
    {
        var w = new Walk(c.SpatialDims);
        var sizes = new List<double> { imageShape.Aggregate(1.0, (a, n) => a * n) };
        var shape = imageShape.Select(n => (double)n).ToArray();
        for (int l = 1; l < c.Levels; l++)
        {
            shape = shape.Select(n => Math.Ceiling(n / 2)).ToArray();
            sizes.Add(shape.Aggregate(1.0, (a, n) => a * n));
        }

        // Encoder: conv_in, per level res blocks (+ attention), downsample; optional non-local block; norm, conv to the latent.
        w.Conv(c.InChannels, c.Channels[0], 3, sizes[0]);
        long ch = c.Channels[0];
        for (int l = 0; l < c.Levels; l++)
        {
            for (int r = 0; r < c.NumResBlocks[l]; r++)
            {
                w.ResBlock(ch, c.Channels[l], sizes[l], timeEmbedding: 0);
                ch = c.Channels[l];
                if (c.AttentionLevels[l]) w.SelfAttention(ch, sizes[l], heads: 1);
            }
            if (l < c.Levels - 1) w.Conv(ch, ch, 3, sizes[l + 1], keptInput: ch * sizes[l]);
        }
        if (c.WithEncoderNonLocalAttention) w.NonLocal(ch, sizes[^1]);
        w.NormSilu(ch, sizes[^1]);
        w.Conv(ch, c.LatentChannels, 3, sizes[^1]);
        // quant_conv_mu / log_sigma / post_quant_conv, the clamp, exp and the reparameterized sample.
        for (int i = 0; i < 3; i++) w.Conv(c.LatentChannels, c.LatentChannels, 1, sizes[^1]);
        w.Keep(4 * c.LatentChannels * sizes[^1]);

        // Decoder: conv_in, optional non-local block, per reversed level res blocks (+ attention), upsample; norm, conv out.
        var rev = c.Channels.Reverse().ToArray();
        var resRev = c.NumResBlocks.Reverse().ToArray();
        var attRev = c.AttentionLevels.Reverse().ToArray();
        w.Conv(c.LatentChannels, rev[0], 3, sizes[^1]);
        if (c.WithDecoderNonLocalAttention) w.NonLocal(rev[0], sizes[^1]);
        ch = rev[0];
        for (int l = 0; l < c.Levels; l++)
        {
            var v = sizes[c.Levels - 1 - l];
            for (int r = 0; r < resRev[l]; r++)
            {
                w.ResBlock(ch, rev[l], v, timeEmbedding: 0);
                ch = rev[l];
                if (attRev[l]) w.SelfAttention(ch, v, heads: 1);
            }
            if (l < c.Levels - 1)
            {
                var up = sizes[c.Levels - 2 - l];
                w.Keep(ch * up);  // nearest ×2 (or the transposed convolution's output)
                w.Conv(ch, ch, 3, up);
            }
        }
        w.NormSilu(ch, sizes[0]);
        w.Conv(ch, c.OutChannels, 3, sizes[0]);
        w.Keep(3 * c.OutChannels * sizes[0]);  // float copy, |x - x̂|, the loss's reduction input
        return w.Result();
    }

    /// <summary>
    /// The DiT (Peebles and Xie 2023) on its configured latent grid: N tokens of width D through
    /// depth blocks. A block keeps about (10 + 2·mlp_ratio)·N·D activations (norms, modulations,
    /// q/k/v, attention output, projection, gated residuals, the MLP's hidden layer and GELU) and two
    /// heads·N² score matrices (scores and softmax); its parameters are counted as the built module's.
    /// </summary>
    public static NetworkFootprint Dit(DitConfig c)
    {
        double d = c.HiddenSize, n = c.NumTokens, h = c.NumHeads, hidden = c.MlpHiddenSize, patch = Math.Pow(c.PatchSize, c.SpatialDims);
        double parameters =
            c.InChannels * patch * d + d                                       // x_embedder: the patch convolution
            + c.FrequencyEmbeddingSize * d + d + d * d + d                     // t_embedder: frequency MLP
            + (c.NumCovariates > 0 ? c.NumCovariates * d + d + d * d + d + d : 0)  // y_embedder: covariate MLP and null embedding
            + c.Depth * (3 * d * d + 3 * d + d * d + d                         // attention: qkv, proj
                         + d * hidden + hidden + hidden * d + d                // MLP
                         + d * 6 * d + 6 * d)                                  // adaLN modulation
            + d * 2 * d + 2 * d + d * c.PatchFeatures + c.PatchFeatures;       // final layer: adaLN and linear
        double perBlock = (10 + 2 * c.MlpRatio) * n * d + 2 * h * n * n;
        double tokens = n * d;
        double output = n * c.PatchFeatures;
        double kept = tokens + c.Depth * perBlock + 3 * tokens + 3 * output;  // embedded tokens, blocks, final layer, loss terms
        double largest = Math.Max(h * n * n, Math.Max(n * hidden, tokens));
        double peakPair = Math.Max(2 * h * n * n, n * hidden + tokens);
        double unfold = c.PatchSize > 1 ? c.InChannels * patch * n : 0;
        return new(Walk.Elements(parameters), Walk.Elements(kept), Walk.Elements(largest), Walk.Elements(peakPair), Walk.Elements(unfold));
    }

    /// <summary>The diffusion UNet on latents of <paramref name="latentShape"/> voxels (its resblocks also take the time embedding).</summary>
    public static NetworkFootprint UNet(DiffusionUNetConfig config, IReadOnlyList<long> latentShape)
    {
        var layout = new DiffusionUNetLayout(config);
        var w = new Walk(config.SpatialDims);
        var sizes = new List<double>();
        var shape = latentShape.Select(n => (double)n).ToArray();
        for (int l = 0; l < config.Levels; l++)
        {
            sizes.Add(shape.Aggregate(1.0, (a, n) => a * n));
            shape = shape.Select(n => Math.Ceiling(n / 2)).ToArray();
        }
        long c0 = config.NumChannels[0];
        w.Conv(config.InChannels, c0, 3, sizes[0]);
        foreach (var block in layout.Down) Block(w, block, sizes, config, up: false);
        Block(w, layout.Middle, sizes, config, up: false);
        foreach (var block in layout.Up) Block(w, block, sizes, config, up: true);
        w.NormSilu(c0, sizes[0]);
        w.Conv(c0, config.OutChannels, 3, sizes[0]);
        w.Keep(3 * config.OutChannels * sizes[0]);  // target, difference, squared
        // Parameters come from the layout itself (every state_dict key with its shape).
        var counted = w.Result();
        return counted with { Parameters = layout.ParameterCount() };
    }

    private static void Block(Walk w, UNetBlockSpec spec, List<double> sizes, DiffusionUNetConfig config, bool up)
    {
        var v = sizes[spec.Level];
        long heads = Math.Max(1, spec.Channels / Math.Max(1, spec.HeadChannels));
        foreach (var (input, output) in spec.Resnets)
        {
            if (up) w.Keep(input * v);  // cat(h, skip)
            w.ResBlock(input, output, v, timeEmbedding: config.TimeEmbedDim);
            switch (spec.Attention)
            {
                case UNetAttentionKind.SelfAttention: w.SelfAttention(spec.Channels, v, heads); break;
                case UNetAttentionKind.SpatialTransformer: w.Transformer(spec.Channels, v, heads, config.TransformerNumLayers); break;
            }
        }
        if (spec.Resample == UNetResample.None) return;
        int target = up ? spec.Level - 1 : spec.Level + 1;
        if (up) w.Keep(spec.Channels * sizes[target]);  // nearest ×2 before the convolution
        w.Conv(spec.Channels, spec.Channels, 3, sizes[target]);
    }

    /// <summary>Accumulates kept activations (elements per sample) and the largest single tensor.</summary>
    private sealed class Walk(int dims)
    {
        private double _kept, _largest, _peakPair, _parameters, _unfold;

        public void Keep(double elements)
        {
            _kept += elements;
            _largest = Math.Max(_largest, elements);
        }

        // The largest input + output pair alive at once: what inference holds at its peak.
        private void Pair(double input, double output) => _peakPair = Math.Max(_peakPair, input + output);

        public void Conv(long cin, long cout, int kernel, double outVoxels, double? keptInput = null)
        {
            if (keptInput is { } k) Keep(k);  // e.g. the padded input of a strided convolution
            _parameters += cout * cin * Math.Pow(kernel, dims) + cout;
            Keep(cout * outVoxels);
            Pair(keptInput ?? cin * outVoxels, cout * outVoxels);
            if (kernel > 1) _unfold = Math.Max(_unfold, cin * Math.Pow(kernel, dims) * outVoxels);
        }

        public void NormSilu(long c, double v)
        {
            _parameters += 2 * c;
            Keep(c * v);
            Keep(c * v);
            Pair(c * v, c * v);
        }

        public void ResBlock(long cin, long cout, double v, long timeEmbedding)
        {
            NormSilu(cin, v);
            Conv(cin, cout, 3, v);
            if (timeEmbedding > 0) Keep(cout * v);  // + the projected time embedding
            NormSilu(cout, v);
            Conv(cout, cout, 3, v);
            if (cin != cout) Conv(cin, cout, 1, v);
            Keep(cout * v);  // the residual sum
            Pair(cin * v + cout * v, cout * v);  // input, shortcut and sum alive together
        }

        public void SelfAttention(long c, double v, long heads)
        {
            _parameters += 2 * c + 4 * (c * (double)c + c);  // group norm; to_q, to_k, to_v, proj_attn
            for (int i = 0; i < 7; i++) Keep(c * v);  // norm, q, k, v, attention output, projection, residual
            Keep(heads * v * v);                      // scores
            Keep(heads * v * v);                      // softmax
            Pair(c * v + heads * v * v, heads * v * v);
        }

        public void NonLocal(long c, double v)
        {
            ResBlock(c, c, v, 0);
            SelfAttention(c, v, 1);
            ResBlock(c, c, v, 0);
        }

        // BasicTransformerBlock layers (self-attention, cross-attention over one token, GEGLU feed-forward) between proj_in and proj_out.
        public void Transformer(long c, double v, long heads, int layers)
        {
            for (int i = 0; i < 3; i++) Keep(c * v);  // norm, proj_in, proj_out
            for (int l = 0; l < layers; l++)
            {
                for (int i = 0; i < 3; i++) Keep(c * v);  // three layer norms
                for (int i = 0; i < 5; i++) Keep(c * v);  // self-attention q, k, v, output, projection
                Keep(heads * v * v);
                Keep(heads * v * v);
                for (int i = 0; i < 3; i++) Keep(c * v);  // cross-attention q, output, projection
                Keep(8 * c * v);                          // GEGLU projection
                Keep(4 * c * v);                          // gelu(gate)
                Keep(4 * c * v);                          // product
                Keep(c * v);                              // feed-forward output
                for (int i = 0; i < 3; i++) Keep(c * v);  // residual sums
                Pair(c * v + heads * v * v, heads * v * v);
                Pair(c * v + 8 * c * v, 4 * c * v);
            }
        }

        public NetworkFootprint Result() => new(Elements(_parameters), Elements(_kept), Elements(_largest), Elements(_peakPair), Elements(_unfold));

        // Counts are doubles while summed (a hostile config must not overflow them); saturated well below long's range.
        public static long Elements(double n) => n >= long.MaxValue / 16 ? long.MaxValue / 16 : (long)Math.Ceiling(n);
    }
}
