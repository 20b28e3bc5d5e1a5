namespace BrainGen.Torch.Tests.Engine;

/// <summary>
/// <see cref="Functional"/> against torch.nn.functional: convolutions (2d/3d/Nd, transposed),
/// normalizations, activations, padding, pooling, interpolation, grid sampling, attention and bf16
/// autocast, forward and gradients (tools/fixtures/engine_fixture_functional.py).
/// </summary>
public class FunctionalGoldenTests
{
    private delegate Tensor Kind(GoldenCase c, Dictionary<string, Tensor> i);

    private static Tensor? Opt(Dictionary<string, Tensor> i, string key) => i.TryGetValue(key, out var t) ? t : null;

    private static readonly Dictionary<string, Kind> Kinds = new()
    {
        ["linear"] = (c, i) => Functional.Linear(i["x"], i["w"], Opt(i, "b")),
        ["conv2d"] = (c, i) => Functional.Conv2d(i["x"], i["w"], Opt(i, "b"), c.Longs("stride"), c.Longs("padding"), c.Longs("dilation"),
            c.Long("groups")),
        ["conv3d"] = (c, i) => Functional.Conv3d(i["x"], i["w"], Opt(i, "b"), c.Longs("stride"), c.Longs("padding"), c.Longs("dilation"),
            c.Long("groups")),
        ["conv_nd"] = (c, i) => Functional.ConvNd(i["x"], i["w"], Opt(i, "b"), c.Longs("stride"), c.Longs("padding"), c.Longs("dilation"),
            c.Long("groups")),
        ["conv_transpose3d"] = (c, i) => Functional.ConvTranspose3d(i["x"], i["w"], Opt(i, "b"), c.Longs("stride"), c.Longs("padding"),
            c.Longs("output_padding"), c.Long("groups"), c.Longs("dilation")),
        ["conv_transpose2d"] = (c, i) => Functional.ConvTranspose2d(i["x"], i["w"], Opt(i, "b"), c.Longs("stride"), c.Longs("padding"),
            c.Longs("output_padding"), c.Long("groups"), c.Longs("dilation")),
        ["group_norm"] = (c, i) => Functional.GroupNorm(i["x"], c.Long("groups"), Opt(i, "w"), Opt(i, "b"), c.Double("eps")),
        ["layer_norm"] = (c, i) => Functional.LayerNorm(i["x"], c.Longs("shape"), Opt(i, "w"), Opt(i, "b"), c.Double("eps")),
        ["silu"] = (c, i) => Functional.Silu(i["x"]),
        ["relu"] = (c, i) => Functional.Relu(i["x"]),
        ["gelu"] = (c, i) => Functional.Gelu(i["x"], tanhApproximation: c.Str("approximate") == "tanh"),
        ["softmax"] = (c, i) => Functional.Softmax(i["x"], c.Long("dim")),
        ["log_softmax"] = (c, i) => Functional.LogSoftmax(i["x"], c.Long("dim")),
        ["dropout_eval"] = (c, i) => Functional.Dropout(i["x"], c.Double("p"), training: false),
        ["embedding"] = (c, i) => Functional.Embedding(i["idx"], i["w"]),
        ["mse_loss"] = (c, i) => Functional.MseLoss(i["x"], i["y"]),
        ["l1_loss"] = (c, i) => Functional.L1Loss(i["x"], i["y"]),
        ["pad"] = (c, i) => Functional.Pad(i["x"], c.Longs("pad"), Enum.Parse<PadMode>(c.Str("mode"), ignoreCase: true), c.Double("value")),
        ["avg_pool3d"] = (c, i) => Functional.AvgPool3d(i["x"], c.Longs("kernel"), c.Longs("stride"), c.Longs("padding"), c.Bool("ceil_mode"),
            c.Bool("count_include_pad")),
        ["avg_pool2d"] = (c, i) => Functional.AvgPool2d(i["x"], c.Longs("kernel"), c.Longs("stride"), c.Longs("padding"), c.Bool("ceil_mode"),
            c.Bool("count_include_pad")),
        ["interpolate"] = (c, i) => Functional.Interpolate(i["x"],
            size: c.Has("size", out _) ? c.Longs("size") : null,
            scaleFactor: c.Has("scale", out _) ? c.Doubles("scale") : null,
            mode: c.Str("mode") == "nearest" ? InterpolationMode.Nearest : InterpolationMode.Linear,
            alignCorners: c.Bool("align_corners")),
        ["grid_sample"] = (c, i) => Functional.GridSample(i["x"], i["grid"], Enum.Parse<GridSampleMode>(c.Str("mode"), ignoreCase: true),
            Enum.Parse<GridSamplePadding>(c.Str("padding_mode"), ignoreCase: true), c.Bool("align_corners")),
        ["attention"] = (c, i) => Functional.ScaledDotProductAttention(i["q"], i["k"], i["v"], Opt(i, "mask")),
        ["autocast_conv3d"] = (c, i) => Autocast(() => Functional.Conv3d(i["x"], i["w"], i["b"], padding: [1, 1, 1])),
        ["autocast_linear"] = (c, i) => Autocast(() => Functional.Linear(i["x"], i["w"], i["b"])),
    };

    private static Tensor Autocast(Func<Tensor> op)
    {
        using var autocast = Torch.Autocast(DeviceType.CPU, DType.BFloat16);
        return op();
    }

    public static TheoryData<string> Cases => Golden.Names("functional");

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var c = Golden.Case("functional", name);
        Assert.True(Kinds.TryGetValue(c.Kind, out var kind), $"no C# twin for kind {c.Kind}");
        GoldenRunner.Check(c, i => [kind!(c, i)]);
    }

    [Fact]
    public void TheBf16BoundRejectsAConvolutionThatDropsItsBias()
    {
        // The bound is loose enough for every bf16 kernel, so it must still catch a wrong result.
        using var scope = Torch.NewDisposeScope();
        var c = Golden.Case("functional", "autocast_conv3d");
        var x = Tensor.FromHost(c["in/x"]);
        var w = Tensor.FromHost(c["in/w"]);
        var withoutBias = Autocast(() => Functional.Conv3d(x, w, null, padding: [1, 1, 1]));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() =>
            Expect.WithinBf16Bound(c["out/0"], c["exact/out/0"], c["magnitude/out/0"], withoutBias, "conv3d without bias"));
        var float32 = Functional.Conv3d(x, w, Tensor.FromHost(c["in/b"]), padding: [1, 1, 1]);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() =>
            Expect.WithinBf16Bound(c["out/0"], c["exact/out/0"], c["magnitude/out/0"], float32, "conv3d without autocast"));
    }

    [Fact]
    public void DropoutInTrainingZeroesAndRescales()
    {
        // The exact mask is compared in the nn golden cases (seeded); here the contract: kept
        // elements are scaled by 1/(1-p), the rest are zero, and p = 0 or eval is the identity.
        using var scope = Torch.NewDisposeScope();
        var x = Tensor.Ones([1000]);
        var y = Functional.Dropout(x, 0.25, training: true).ToArray<float>();
        Assert.All(y, v => Assert.True(v == 0f || Math.Abs(v - 1 / 0.75f) < 1e-6f, $"value {v}"));
        Assert.InRange(y.Count(v => v == 0f), 150, 350);
        Assert.Equal(x.ToArray<float>(), Functional.Dropout(x, 0.25, training: false).ToArray<float>());
        Assert.Equal(x.ToArray<float>(), Functional.Dropout(x, 0, training: true).ToArray<float>());
    }
}
