using BrainGen.Models.Tokenizers;
using BrainGen.Models.Denoisers;
using BrainGen.Pipelines.Generation;
using BrainGen.Pipelines.Training;
using Xunit.Abstractions;

namespace BrainGen.Pipelines.Tests.Training;

public class MemoryEstimateTests(ITestOutputHelper output)
{
    private static AutoencoderRunConfig Autoencoder(int[] channels, int batch, int side, double adversarial = 0) => new()
    {
        Data = new DataConfig { Preprocessing = new PreprocessingConfig { Shape = [side, side, side], Spacing = [4, 4, 4] } },
        Model = new AutoencoderModelConfig
        {
            Channels = channels, NumResBlocks = channels.Select(_ => 1).ToArray(), AttentionLevels = channels.Select(_ => false).ToArray(), NormNumGroups = 8,
        },
        Loss = new AutoencoderLossConfig { AdversarialWeight = adversarial },
        Training = new OptimizationConfig { BatchSize = batch },
    };

    public static TheoryData<AutoencoderKLConfig> AutoencoderConfigs() => new()
    {
        new AutoencoderKLConfig { Channels = [8, 16], NumResBlocks = [1, 1], AttentionLevels = [false, false], NormNumGroups = 8, WithEncoderNonLocalAttention = false, WithDecoderNonLocalAttention = false },
        new AutoencoderKLConfig { Channels = [8, 16, 16], NumResBlocks = [2, 1, 1], AttentionLevels = [false, false, true], NormNumGroups = 8 },
        new AutoencoderKLConfig { SpatialDims = 2, InChannels = 2, OutChannels = 3, LatentChannels = 4, Channels = [16, 32], NumResBlocks = [1, 2], AttentionLevels = [true, false], NormNumGroups = 16, UseConvTranspose = true },
    };

    [Theory]
    [MemberData(nameof(AutoencoderConfigs))]
    public void AutoencoderParametersEqualTheBuiltModule(AutoencoderKLConfig config)
    {
        using var model = new AutoencoderKL(config);
        var shape = Enumerable.Repeat(16, config.SpatialDims).ToArray();
        Assert.Equal(model.ParameterCount(), NetworkFootprint.Autoencoder(config, shape).Parameters);
    }

    [Fact]
    public void UNetParametersEqualTheBuiltModule()
    {
        var config = new DiffusionUNetConfig
        {
            SpatialDims = 3, InChannels = 5, OutChannels = 3, NumChannels = [16, 32], NumResBlocks = [1], AttentionLevels = [false, true],
            NumHeadChannels = [16], NormNumGroups = 8, WithConditioning = true, CrossAttentionDim = 2,
        };
        using var unet = new DiffusionUNet(config);
        Assert.Equal(unet.ParameterCount(), NetworkFootprint.UNet(config, [4, 4, 4]).Parameters);
    }

    public static TheoryData<DitConfig> DitConfigs() => new()
    {
        new DitConfig { SpatialDims = 3, InputSize = [4, 6, 4], PatchSize = 2, InChannels = 3, HiddenSize = 24, Depth = 2, NumHeads = 4, NumCovariates = 4 },
        new DitConfig { SpatialDims = 2, InputSize = [8], PatchSize = 1, InChannels = 4, HiddenSize = 16, Depth = 1, NumHeads = 2, MlpRatio = 2, LearnSigma = true },
    };

    [Theory]
    [MemberData(nameof(DitConfigs))]
    public void DitParametersEqualTheBuiltModule(DitConfig config)
    {
        using var dit = new Dit(config);
        Assert.Equal(dit.ParameterCount(), NetworkFootprint.Dit(config).Parameters);
    }

    [Fact]
    public void DitAttentionGrowsWithTheSquareOfTheTokens()
    {
        DitConfig Of(int side) => new() { SpatialDims = 3, InputSize = [side], PatchSize = 2, InChannels = 3, HiddenSize = 24, Depth = 2, NumHeads = 4 };
        // 8x the tokens: the N·D terms grow 8x, the heads·N² scores 64x.
        double ratio = NetworkFootprint.Dit(Of(32)).TrainingActivations / (double)NetworkFootprint.Dit(Of(16)).TrainingActivations;
        Assert.InRange(ratio, 8.0, 64.0);
        Assert.Equal(64.0, NetworkFootprint.Dit(Of(32)).LargestActivation / (double)NetworkFootprint.Dit(Of(16)).LargestActivation, 1e-9);
    }

    [Fact]
    public void GenerationEstimatesADitModel()
    {
        var model = new LatentDiffusionModelConfig
        {
            Autoencoder = new AutoencoderKLConfig { Channels = [8, 16], NumResBlocks = [1, 1], AttentionLevels = [false, false], NormNumGroups = 8 },
            Dit = new DitConfig { SpatialDims = 3, InputSize = [16], PatchSize = 2, InChannels = 3, HiddenSize = 24, Depth = 2, NumHeads = 4 },
            Image = new ImageGeometry { Shape = [32, 32, 32] },
        };
        var one = MemoryEstimate.Generation(model, batch: 1, guided: false);
        var guided = MemoryEstimate.Generation(model, batch: 1, guided: true);
        long Part(MemoryEstimate e, string name) => e.Parts.Single(p => p.Part == name).Bytes;
        Assert.True(Part(one, "sampling") > 0);
        Assert.Equal(2 * Part(one, "sampling"), Part(guided, "sampling"));
    }

    [Fact]
    public void TrainingGrowsWithChannelsBatchAndImageSize()
    {
        MemoryEstimate Of(AutoencoderRunConfig c) => MemoryEstimate.AutoencoderTraining(c);
        long Part(MemoryEstimate e, string name) => e.Parts.Single(p => p.Part == name).Bytes;
        var baseline = Of(Autoencoder([16, 32], batch: 2, side: 32));
        var wider = Of(Autoencoder([32, 64], batch: 2, side: 32));
        var bigger = Of(Autoencoder([16, 32], batch: 4, side: 32));
        var larger = Of(Autoencoder([16, 32], batch: 2, side: 64));

        // Convolution weights grow with the square of the channels, activations linearly.
        Assert.InRange(Part(wider, "weights") / (double)Part(baseline, "weights"), 3.5, 4.0);
        Assert.InRange(Part(wider, "activations") / (double)Part(baseline, "activations"), 1.8, 2.0);
        // The batch scales the activations exactly and leaves the weights alone.
        Assert.Equal(2 * Part(baseline, "activations"), Part(bigger, "activations"));
        Assert.Equal(Part(baseline, "weights"), Part(bigger, "weights"));
        // Twice the side is eight times the voxels.
        Assert.InRange(Part(larger, "activations") / (double)Part(baseline, "activations"), 7.5, 8.0);
        Assert.Equal(Part(baseline, "weights"), Part(larger, "weights"));
        // Adam keeps two moments per weight; gradients one.
        Assert.Equal(2 * Part(baseline, "weights"), Part(baseline, "Adam state"));
        Assert.Equal(Part(baseline, "weights"), Part(baseline, "gradients"));
    }

    [Fact]
    public void GenerationGrowsWithBatchGuidanceAndImageSize()
    {
        LatentDiffusionModelConfig Model(int side, bool nonLocal = false) => new()
        {
            Autoencoder = new AutoencoderKLConfig
            {
                Channels = [8, 16], NumResBlocks = [1, 1], AttentionLevels = [false, false], NormNumGroups = 8,
                WithEncoderNonLocalAttention = nonLocal, WithDecoderNonLocalAttention = nonLocal,
            },
            UNet = new DiffusionUNetConfig
            {
                SpatialDims = 3, InChannels = 3, OutChannels = 3, NumChannels = [16, 32], NumResBlocks = [1], AttentionLevels = [false, true],
                NumHeadChannels = [16], NormNumGroups = 8,
            },
            Image = new ImageGeometry { Shape = [side, side, side] },
        };
        long Part(MemoryEstimate e, string name) => e.Parts.Single(p => p.Part == name).Bytes;
        var one = MemoryEstimate.Generation(Model(32), batch: 1, guided: false);
        var two = MemoryEstimate.Generation(Model(32), batch: 2, guided: false);
        var guided = MemoryEstimate.Generation(Model(32), batch: 1, guided: true);
        var larger = MemoryEstimate.Generation(Model(64), batch: 1, guided: false);
        Assert.Equal(2 * Part(one, "sampling"), Part(two, "sampling"));
        Assert.Equal(Part(two, "sampling"), Part(guided, "sampling"));  // guidance runs the batch twice (conditional and null)
        Assert.Equal(Part(one, "decoding"), Part(two, "decoding"));     // subjects are decoded one at a time
        Assert.Equal(Part(one, "weights"), Part(larger, "weights"));
        Assert.InRange(Part(larger, "decoding") / (double)Part(one, "decoding"), 7.5, 8.0);
        // With the decoder's non-local attention the latent's V² score matrix dominates: 8x the voxels, about 64x the memory.
        double attention = Part(MemoryEstimate.Generation(Model(64, nonLocal: true), 1, false), "decoding")
                           / (double)Part(MemoryEstimate.Generation(Model(32, nonLocal: true), 1, false), "decoding");
        Assert.InRange(attention, 32, 64);
    }

    [Fact]
    public void HostileConfigsNeedFarMoreThanAnyWorkstation()
    {
        var huge = MemoryEstimate.AutoencoderTraining(Autoencoder([4096, 4096], batch: 1, side: 16));
        var batch = MemoryEstimate.AutoencoderTraining(Autoencoder([8, 16], batch: 100000, side: 16));
        output.WriteLine($"{huge}\n{batch}");
        // 4096x4096x27 weights per convolution, ten of them: weights alone are over 16 GB, with gradients, Adam and EMA over 64 GB.
        Assert.True(huge.Total > 64L << 30, huge.ToString());
        Assert.True(batch.Total > 64L << 30, batch.ToString());
    }

    [Fact]
    public void ARunThatCannotFitIsRefusedWithTheEstimateAndWhatIsAvailable()
    {
        var estimate = MemoryEstimate.AutoencoderTraining(Autoencoder([16, 32], batch: 2, side: 32));
        var tight = new AvailableMemory(estimate.Total - 1, "this machine has");
        var e = Assert.Throws<InsufficientMemoryException>(() => estimate.EnsureFits(tight, "ae.yaml", "lower training.batch_size"));
        Assert.StartsWith($"ae.yaml: training the autoencoder needs about {MemoryEstimate.Format(estimate.Total)} (weights ", e.Message);
        Assert.Contains($"but this machine has {MemoryEstimate.Format(estimate.Total - 1)} available: lower training.batch_size", e.Message);
        estimate.EnsureFits(new AvailableMemory(estimate.Total, "this machine has"), "ae.yaml", "");
        estimate.EnsureFits(new AvailableMemory(null, "cuda:0 free memory"), "ae.yaml", "");  // unknown: not checked
    }

    public static TheoryData<string?, string?, string?, long?> Machines() => new()
    {
        { "MemTotal:  24683784 kB\nMemAvailable:   22430680 kB\n", null, null, 22430680L * 1024 },
        { "MemAvailable:   22430680 kB\n", "max\n", "123\n", 22430680L * 1024 },
        { "MemAvailable:   22430680 kB\n", "8589934592\n", "1073741824\n", 7L << 30 },
        { "MemAvailable:   1048576 kB\n", "8589934592\n", "0\n", 1L << 30 },
        { "MemAvailable:   1048576 kB\n", "9223372036854771712\n", "0\n", 1L << 30 },  // cgroup v1's "unlimited"
        { null, null, null, null },
    };

    [Theory]
    [MemberData(nameof(Machines))]
    public void AvailableIsTheSmallerOfMemAvailableAndTheCgroupRoom(string? meminfo, string? max, string? current, long? expected) =>
        Assert.Equal(expected, AvailableMemory.From(meminfo, max, current).Bytes);

    [Fact]
    public void ThisMachineReportsSomeMemory() => Assert.True(AvailableMemory.OfThisMachine().Bytes > 0);

    // Peak RSS (/usr/bin/time -v) of two-step `braingen train autoencoder` runs on the CPU, libtorch 1.13, 2026-12-08 (docs/training.md).
    public static TheoryData<int, int[], int, double, long> MeasuredPeaks() => new()
    {
        { 16, [8, 16], 1, 0.0, 288376L << 10 },
        { 32, [32, 64], 4, 0.0, 993724L << 10 },
        { 32, [32, 64], 4, 0.01, 1027184L << 10 },
        { 48, [32, 64], 2, 0.01, 1604404L << 10 },
    };

    [Theory]
    [MemberData(nameof(MeasuredPeaks))]
    public void TheEstimateBoundsMeasuredPeaksWithinAFactorOfTwo(int side, int[] channels, int batch, double adversarial, long measured)
    {
        var estimate = MemoryEstimate.AutoencoderTraining(Autoencoder(channels, batch, side, adversarial));
        output.WriteLine($"{estimate} against {MemoryEstimate.Format(measured)} measured");
        Assert.InRange(estimate.Total / (double)measured, 1.0, 2.0);
    }
}
