using BrainGen.Models.Conditioning;
using BrainGen.Models.Denoisers;
using BrainGen.Models.Sampling;
using BrainGen.Models.Tokenizers;
using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Tests.Stack;

/// <summary>
/// The two seams of the generation stack: every <see cref="ITokenizer"/> and <see cref="IDenoiser"/>
/// gives exactly what its concrete network gives (no change in numbers), honours the given-mask,
/// and keeps the shapes its interface promises. 2D for speed: the code paths are the 3D ones.
/// </summary>
public class StackConformanceTests
{
    private const int K = 2;

    private static readonly ConditioningSpec Spec = new()
    {
        Covariates = [new Covariate { Name = "age", Min = 0, Max = 1 }, new Covariate { Name = "volume", Min = 0, Max = 1 }],
        Concat = true, CrossAttention = true,
    };

    private static AutoencoderKL TinyAutoencoder()
    {
        ManualSeed(3);
        var ae = new AutoencoderKL(new AutoencoderKLConfig
        {
            SpatialDims = 2, LatentChannels = 2, Channels = [8, 8], NumResBlocks = [1, 1], AttentionLevels = [false, false],
            NormNumGroups = 4, WithEncoderNonLocalAttention = false, WithDecoderNonLocalAttention = false,
        });
        ae.Eval();
        return ae;
    }

    // A randomized denoiser over (B, 2, 8, 8) latents with K covariates; every parameter non-zero.
    private static IDenoiser Denoiser(string kind)
    {
        ManualSeed(5);
        IDenoiser denoiser = kind switch
        {
            UNetDenoiser.DenoiserKind => new UNetDenoiser(new DiffusionUNet(new DiffusionUNetConfig
            {
                SpatialDims = 2, InChannels = 2 + K, OutChannels = 2, NumChannels = [8, 8], NumResBlocks = [1], AttentionLevels = [false, true],
                NumHeadChannels = [8], NormNumGroups = 4, WithConditioning = true, CrossAttentionDim = K,
            }), Spec),
            Dit.DenoiserKind => new Dit(new DitConfig
            {
                SpatialDims = 2, InputSize = [8], PatchSize = 2, InChannels = 2, HiddenSize = 16, Depth = 1, NumHeads = 2,
                NumCovariates = K, FrequencyEmbeddingSize = 16,
            }),
            _ => throw new ArgumentException(kind),
        };
        using var generator = new Generator(7);
        foreach (var p in denoiser.Network.Parameters()) Init.Normal_(p, 0, 0.1, generator);
        denoiser.Network.Eval();
        return denoiser;
    }

    public static TheoryData<string> Kinds => new() { UNetDenoiser.DenoiserKind, Dit.DenoiserKind };

    private static float[] Values(Tensor t) => t.Contiguous().To(Device.CPU).ToArray<float>();

    [Fact]
    public void TheAutoencoderAsATokenizerGivesItsOwnEncodeSampleAndDecodeBitForBit()
    {
        using var scope = NewDisposeScope();
        using var ae = TinyAutoencoder();
        ITokenizer tokenizer = ae;
        using var noGrad = NoGrad();
        using var g = new Generator(11);
        var images = Tensor.Rand([2, 1, 16, 16], g);

        Assert.Equal(AutoencoderKL.TokenizerKind, tokenizer.Kind);
        Assert.Same(ae, tokenizer.Network);
        Assert.Equal(2, tokenizer.LatentChannels);
        Assert.Equal((0.0, 1.0), tokenizer.IntensityRange);
        var (mu, sigma) = ae.Encode(images);
        using (var mean = tokenizer.Encode(images))
        {
            Assert.Equal(tokenizer.LatentShape([2, 1, 16, 16]), mean.Latents.Shape);
            Assert.Equal(Values(mu), Values(mean.Latents));  // no generator: the mean
            Assert.Equal(Values(mu), Values(mean.Mean!));
            Assert.Equal(Values(sigma), Values((mean.LogVariance! / 2.0).Exp()));
            Assert.Equal(Values(ae.Decode(mu)), Values(tokenizer.Decode(mean.Latents)));
        }
        using var g1 = new Generator(13);
        using var g2 = new Generator(13);
        using var sampled = tokenizer.Encode(images, new TokenizerSideInformation { Modality = "T1w" }, g1);
        Assert.Equal(Values(AutoencoderKL.Sample(mu, sigma, g2)), Values(sampled.Latents));
        Assert.NotEqual(Values(mu), Values(sampled.Latents));
    }

    [Fact]
    public void TheUNetDenoiserIsTheUNetWithConcatChannelsAndContextBitForBit()
    {
        using var scope = NewDisposeScope();
        using var denoiser = (UNetDenoiser)Denoiser(UNetDenoiser.DenoiserKind);
        using var noGrad = NoGrad();
        using var g = new Generator(17);
        var x = Tensor.Randn([3, 2, 8, 8], g);
        var t = Tensor.FromArray([10f, 500f, 990f]);
        var rows = Tensor.Rand([3, K], g);
        var direct = denoiser.UNet.Forward(Tensor.Cat([x, ConditioningSpec.ConcatChannels(rows, [8, 8])], 1), t, ConditioningSpec.Context(rows));
        Assert.Equal(Values(direct), Values(denoiser.Predict(x, t, rows, null)));
        var nullRows = Tensor.Full([3, K], Spec.NullValue);
        var unconditional = denoiser.UNet.Forward(Tensor.Cat([x, ConditioningSpec.ConcatChannels(nullRows, [8, 8])], 1), t, ConditioningSpec.Context(nullRows));
        Assert.Equal(Values(unconditional), Values(denoiser.Predict(x, t, null, null)));
    }

    [Fact]
    public void TheDitDenoiserIsItsForward()
    {
        using var scope = NewDisposeScope();
        using var denoiser = Denoiser(Dit.DenoiserKind);
        var dit = (Dit)denoiser;
        using var noGrad = NoGrad();
        using var g = new Generator(19);
        var x = Tensor.Randn([2, 2, 8, 8], g);
        var t = Tensor.FromArray([3f, 700f]);
        var rows = Tensor.Rand([2, K], g);
        var given = Tensor.FromArray([true, false], [2]);
        Assert.Equal(Values(dit.Forward(x, t, rows, given)), Values(denoiser.Predict(x, t, rows, given)));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryDenoiserKeepsTheLatentShapeAndTreatsRowsNotGivenAsUnconditional(string kind)
    {
        using var scope = NewDisposeScope();
        using var denoiser = Denoiser(kind);
        Assert.Equal(kind, denoiser.Kind);
        Assert.Equal(2, denoiser.LatentChannels);
        using var noGrad = NoGrad();
        using var g = new Generator(23);
        var x = Tensor.Randn([2, 2, 8, 8], g);
        var t = Tensor.FromArray([250f, 250f]);
        var rows = Tensor.Rand([2, K], g);

        var conditional = denoiser.Predict(x, t, rows, null);
        Assert.Equal(x.Shape, conditional.Shape);
        Assert.All(Values(conditional), v => Assert.True(float.IsFinite(v)));
        // Every row given is the same as no mask.
        Assert.Equal(Values(conditional), Values(denoiser.Predict(x, t, rows, Tensor.FromArray([true, true], [2]))));
        // Row 1 not given: whatever its values (NaN included), it is the unconditional prediction; row 0 is untouched.
        var poisoned = Tensor.Cat([rows.Narrow(0, 0, 1), Tensor.Full([1, K], float.NaN)]);
        var masked = denoiser.Predict(x, t, poisoned, Tensor.FromArray([true, false], [2]));
        var unconditional = denoiser.Predict(x, t, null, null);
        Assert.Equal(Values(conditional.Narrow(0, 0, 1)), Values(masked.Narrow(0, 0, 1)));
        Assert.Equal(Values(unconditional.Narrow(0, 1, 1)), Values(masked.Narrow(0, 1, 1)));
        Assert.NotEqual(Values(conditional.Narrow(0, 1, 1)), Values(masked.Narrow(0, 1, 1)));
    }

    [Fact]
    public void GuidedSamplingMarksTheUnconditionalHalfNotGiven()
    {
        using var scope = NewDisposeScope();
        var masks = new List<bool[]?>();
        Tensor Recording(Tensor x, Tensor t, Tensor? c, Tensor? given)
        {
            masks.Add(given?.ToArray<bool>());
            return x * 0.1;
        }
        var x = Tensor.Ones([2, 1, 2, 2]);
        var rows = Tensor.Full([2, K], 0.5);
        GuidedSampling.Predict(Recording, x, 10, rows, guidanceScale: 3);
        GuidedSampling.Predict(Recording, x, 10, rows, guidanceScale: 1);
        Assert.Equal([true, true, false, false], masks[0]);
        Assert.Null(masks[1]);
    }

    [Fact]
    public void TheMaskFormOfGuidanceDropoutDropsTheSameRowsAndMarksThem()
    {
        using var scope = NewDisposeScope();
        const int batch = 64;
        using var g = new Generator(29);
        var rows = Tensor.Rand([batch, K], g);
        var givenValues = Enumerable.Range(0, batch * K).Select(i => i / K % 5 != 4).ToArray();  // every fifth row has nothing given
        var given = Tensor.FromArray(givenValues, [batch, K]);
        using var g1 = new Generator(31);
        using var g2 = new Generator(31);
        var dropped = Spec.DropForGuidance(rows, given, 0.3, g1);
        var (masked, rowGiven) = Spec.DropForGuidanceWithMask(rows, given, 0.3, g2);
        Assert.Equal(Values(dropped), Values(masked));
        var keptRows = rowGiven.ToArray<bool>();
        var values = Values(masked);
        for (int b = 0; b < batch; b++)
        {
            bool anyGiven = givenValues[b * K] || givenValues[b * K + 1];
            bool allNull = values[b * K] == Spec.NullValue && values[b * K + 1] == Spec.NullValue;
            if (!anyGiven) Assert.False(keptRows[b], $"row {b} has nothing given");
            else Assert.Equal(!allNull, keptRows[b]);
        }
        Assert.Contains(false, keptRows.Where((_, b) => b % 5 != 4));  // some rows were dropped by chance
        Assert.Contains(true, keptRows);
    }
}
