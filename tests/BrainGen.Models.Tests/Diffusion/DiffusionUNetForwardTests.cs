using BrainGen.Models.Blocks;
using BrainGen.Models.Denoisers;
using BrainGen.Torch;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Tests.Diffusion;

/// <summary>Forward behaviour around the exactness cases: inputs checked with clear errors, the unconditional paths, memory.</summary>
public class DiffusionUNetForwardTests
{
    internal static DiffusionUNet Loaded(string caseName)
    {
        var model = new DiffusionUNet(UNetFixtures.Config(caseName));
        model.Eval();
        model.LoadCheckpoint(UNetFixtures.Weights(caseName), caseName);
        return model;
    }

    public static TheoryData<string, string> BadInputs => new()
    {
        { "context-without-conditioning", "with_conditioning=false" },
        { "labels-without-class-embedding", "no class embedding" },
        { "missing-labels", "class_labels are required" },
        { "wrong-context-dim", "context must be (B, M, 16)" },
        { "odd-size", "divisible by 2" },
        { "wrong-channels", "x must be (B, 3, *, *)" },
        { "timesteps-batch", "timesteps must be (B,) or (1,) with B=2" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputsFailClearly(string what, string expected)
    {
        using var scope = NewDisposeScope();
        string caseName = what is "context-without-conditioning" or "labels-without-class-embedding" ? "attn2d" : "class2d";
        using var model = new DiffusionUNet(UNetFixtures.Config(caseName));
        long inC = model.Config.InChannels;
        var x = Tensor.Zeros([2, inC, 8, 8]);
        var t = Tensor.FromArray([1L, 2L]);
        var labels = Tensor.FromArray([0L, 1L]);
        var context = Tensor.Zeros([2, 1, 16]);
        Action call = what switch
        {
            "context-without-conditioning" => () => model.Forward(x, t, context),
            "labels-without-class-embedding" => () => model.Forward(x, t, classLabels: labels),
            "missing-labels" => () => model.Forward(x, t, context),
            "wrong-context-dim" => () => model.Forward(x, t, Tensor.Zeros([2, 1, 4]), labels),
            "odd-size" => () => model.Forward(Tensor.Zeros([2, inC, 8, 7]), t, context, labels),
            "wrong-channels" => () => model.Forward(Tensor.Zeros([2, inC + 1, 8, 8]), t, context, labels),
            _ => () => model.Forward(x, Tensor.FromArray([1L, 2L, 3L]), context, labels),
        };
        var e = Assert.Throws<ArgumentException>(call);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void WithoutAContextCrossAttentionNeedsMatchingWidthsAndSaysToPassZeros()
    {
        using var scope = NewDisposeScope();
        using var model = new DiffusionUNet(UNetFixtures.Config("cond3d"));  // cross_attention_dim 4, channels 8
        var e = Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros([1, 5, 4, 4, 4]), Tensor.FromArray([3L])));
        Assert.Contains("pass a context (zeros for unconditional)", e.Message);
    }

    [Fact]
    public void OneTimestepForTheBatchEqualsItRepeatedAndAScalarTimestep()
    {
        using var scope = NewDisposeScope();
        using var noGrad = NoGrad();
        using var model = Loaded("class2d");
        var io = UNetFixtures.Io("class2d");
        var x = Tensor.FromHost(io["x"]);
        var labels = Tensor.FromHost(io["labels"]);
        var one = model.Forward(x, Tensor.FromArray([250L]), classLabels: labels);
        var repeated = model.Forward(x, Tensor.FromArray([250L, 250L]), classLabels: labels);
        var scalar = model.Forward(x, Tensor.Scalar(250, DType.Int64), classLabels: labels);
        AssertClose.Equal(0, UNetFixtures.MaxAbsDiff(one, repeated), abs: 1e-5);
        AssertClose.Equal(0, UNetFixtures.MaxAbsDiff(one, scalar), abs: 1e-5);
    }

    [Fact]
    public void ZeroControlNetResidualsChangeNothingAndTheirCountIsChecked()
    {
        using var scope = NewDisposeScope();
        using var noGrad = NoGrad();
        using var model = Loaded("attn2d");
        var io = UNetFixtures.Io("attn2d");
        var x = Tensor.FromHost(io["x"]);
        var t = Tensor.FromHost(io["timesteps"]);
        // skips: conv_in, 1+2+1 resnets, 2 downsamplers
        long[][] shapes = [[2, 8, 12, 16], [2, 8, 12, 16], [2, 8, 6, 8], [2, 16, 6, 8], [2, 16, 6, 8], [2, 16, 3, 4], [2, 16, 3, 4]];
        var residuals = shapes.Select(s => Tensor.Zeros(s)).ToList();
        var output = model.Forward(x, t, downBlockAdditionalResiduals: residuals, midBlockAdditionalResidual: Tensor.Zeros([2, 16, 3, 4]));
        Assert.True(UNetFixtures.MaxAbsDiff(output, Tensor.FromHost(io["out_plain"])) < 1e-4);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(x, t, downBlockAdditionalResiduals: residuals.Take(3).ToList()));
        Assert.Contains("expected 7 down-block residuals, got 3", e.Message);
    }

    /// <summary>
    /// bfloat16 weights and input through the upcast attention and the fp32 nearest upsampling, close to fp32 (2D with
    /// conv resamplers: libtorch 1.13 has no CPU bf16 avg_pool, so a resblock_updown model runs bf16 on GPU only, as GM).
    /// </summary>
    [Fact]
    public void BFloat16RunsAndStaysCloseToFloat32()
    {
        using var scope = NewDisposeScope();
        using var noGrad = NoGrad();
        using var model = new DiffusionUNet(UNetFixtures.Config("class2d") with { UpcastAttention = true });
        model.Eval();
        model.LoadCheckpoint(UNetFixtures.Weights("class2d"), "class2d");
        var io = UNetFixtures.Io("class2d");
        var expected = Tensor.FromHost(io["out_ctx"]);
        model.To(floatDType: DType.BFloat16);
        var output = model.Forward(Tensor.FromHost(io["x"]).To(DType.BFloat16), Tensor.FromHost(io["timesteps"]),
                                   Tensor.FromHost(io["context2"]).To(DType.BFloat16), Tensor.FromHost(io["labels"]));
        Assert.Equal(DType.BFloat16, output.DType);
        // Outputs reach 1.26; a whole network in bf16 is off by 0.040 on oneDNN's kernels and by 0.10
        // on ATen's native ones (CPUs without AVX-512), see docs/engine.md "Portable numerics".
        double diff = UNetFixtures.MaxAbsDiff(output.Float(), expected);
        Assert.True(diff < 0.25, $"bf16 max |diff| = {diff}");
    }

    [Fact]
    public void DropoutIsOffInEval()
    {
        using var scope = NewDisposeScope();
        using var noGrad = NoGrad();
        using var model = new DiffusionUNet(UNetFixtures.Config("class2d") with { DropoutCattn = 0.5 });
        model.LoadCheckpoint(UNetFixtures.Weights("class2d"), "class2d");
        model.Eval();
        var io = UNetFixtures.Io("class2d");
        var output = model.Forward(Tensor.FromHost(io["x"]), Tensor.FromHost(io["timesteps"]), Tensor.FromHost(io["context2"]), Tensor.FromHost(io["labels"]));
        Assert.True(UNetFixtures.MaxAbsDiff(output, Tensor.FromHost(io["out_ctx"])) < 1e-4);
    }

    [Fact]
    public void AttentionHeadsFollowNumHeadChannels()
    {
        using var model = new DiffusionUNet(UNetFixtures.Config("cond3d"));  // channels [4, 8, 8], heads of [0, 4, 8]
        var level1 = (SpatialTransformer)model.DownBlocks[1].Attentions![0];
        var middle = (SpatialTransformer)model.MiddleBlock.Attention;
        Assert.Equal(2, level1.TransformerBlocks[0].Attn1.NumHeads);
        Assert.Equal(1, middle.TransformerBlocks[0].Attn2.NumHeads);
        Assert.Null(model.DownBlocks[0].Attentions);
    }
}

[Collection(nameof(SerialCollection))]
public class DiffusionUNetMemoryTests
{
    [Fact]
    public void ForwardLeavesNoLiveTensorsBehind()
    {
        using var model = DiffusionUNetForwardTests.Loaded("class2d");
        var io = UNetFixtures.Io("class2d");
        using var noGrad = NoGrad();
        void Run()
        {
            using var scope = NewDisposeScope();
            model.Forward(Tensor.FromHost(io["x"]), Tensor.FromHost(io["timesteps"]), Tensor.FromHost(io["context2"]), Tensor.FromHost(io["labels"]));
        }
        Run();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = Tensor.LiveCount;
        Run();
        Assert.True(Tensor.LiveCount <= before, $"{Tensor.LiveCount - before} tensors outlived the forward's scope");  // finalizers only lower it
    }
}
