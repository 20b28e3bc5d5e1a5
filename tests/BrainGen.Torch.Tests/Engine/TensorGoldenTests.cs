namespace BrainGen.Torch.Tests.Engine;

/// <summary>
/// The Tensor facade (Tensor.Math.cs, Tensor.Shape.cs) against PyTorch: dtype conversions among
/// all eight dtypes, shape ops, slicing and indexing, joins, reductions, matmul and elementwise math,
/// forward and gradients, one fixture row per case (tools/fixtures/engine_fixture_ops.py, TENSOR).
/// </summary>
public class TensorGoldenTests
{
    private delegate Tensor[] Kind(GoldenCase c, Dictionary<string, Tensor> i);

    private static Tensor[] One(Tensor t) => [t];

    private static Tensor[] Seq(Dictionary<string, Tensor> i) =>
        i.Where(e => e.Key.StartsWith('t')).OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value).ToArray();

    private static readonly Dictionary<string, Kind> Kinds = new()
    {
        ["to"] = (c, i) => One(i["x"].To(GoldenCase.DTypeOf(c.Str("dtype")))),
        ["reshape"] = (c, i) => One(i["x"].Reshape(c.Longs("shape"))),
        ["view"] = (c, i) => One(i["x"].View(c.Longs("shape"))),
        ["permute"] = (c, i) => One(i["x"].Permute(c.Longs("dims"))),
        ["transpose"] = (c, i) => One(i["x"].Transpose(c.Long("dim0"), c.Long("dim1"))),
        ["transpose_contiguous"] = (c, i) => One(i["x"].Transpose(c.Long("dim0"), c.Long("dim1")).Contiguous()),
        ["flatten"] = (c, i) => One(i["x"].Flatten(c.Long("start"), c.Long("end"))),
        ["unsqueeze"] = (c, i) => One(i["x"].Unsqueeze(c.Long("dim"))),
        ["squeeze_dim"] = (c, i) => One(i["x"].Squeeze(c.Long("dim"))),
        ["squeeze"] = (c, i) => One(i["x"].Squeeze()),
        ["expand"] = (c, i) => One(i["x"].Expand(c.Longs("shape"))),
        ["repeat"] = (c, i) => One(i["x"].Repeat(c.Longs("repeats"))),
        ["slice"] = (c, i) => One(i["x"].Slice(c.Long("dim"), c.OptLong("start"), c.OptLong("end"), c.OptLong("step") ?? 1)),
        ["narrow"] = (c, i) => One(i["x"].Narrow(c.Long("dim"), c.Long("start"), c.Long("length"))),
        ["select"] = (c, i) => One(i["x"].Select(c.Long("dim"), c.Long("index"))),
        ["index_select"] = (c, i) => One(i["x"].IndexSelect(c.Long("dim"), i["idx"])),
        ["index"] = (c, i) => One(i["x"].Index(c.Args.GetProperty("indices").EnumerateArray()
            .Select(n => n.GetString() is { } name ? i[name] : null).ToArray())),
        ["gather"] = (c, i) => One(i["x"].Gather(c.Long("dim"), i["idx"])),
        ["chunk"] = (c, i) => i["x"].Chunk(c.Long("chunks"), c.Long("dim")),
        ["split"] = (c, i) => i["x"].Split(c.Long("size"), c.Long("dim")),
        ["split_sizes"] = (c, i) => i["x"].Split(c.Longs("sizes"), c.Long("dim")),
        ["cat"] = (c, i) => One(Tensor.Cat(Seq(i), c.Long("dim"))),
        ["stack"] = (c, i) => One(Tensor.Stack(Seq(i), c.Long("dim"))),
        ["masked_fill"] = (c, i) => One(i["x"].MaskedFill(i["mask"], c.Double("value"))),
        ["where"] = (c, i) => One(Tensor.Where(i["cond"], i["x"], i["y"])),
        ["sum"] = (c, i) => One(i["x"].Sum()),
        ["sum_dims"] = (c, i) => One(i["x"].Sum(c.Longs("dims"), c.Bool("keepdim"))),
        ["mean"] = (c, i) => One(i["x"].Mean()),
        ["mean_dims"] = (c, i) => One(i["x"].Mean(c.Longs("dims"), c.Bool("keepdim"))),
        ["max"] = (c, i) => One(i["x"].Max()),
        ["min"] = (c, i) => One(i["x"].Min()),
        ["max_dim"] = (c, i) => i["x"].Max(c.Long("dim"), c.Bool("keepdim")) is var (v, k) ? [v, k] : [],
        ["min_dim"] = (c, i) => i["x"].Min(c.Long("dim"), c.Bool("keepdim")) is var (v, k) ? [v, k] : [],
        ["argmax"] = (c, i) => One(i["x"].ArgMax(c.OptLong("dim"), c.Bool("keepdim"))),
        ["var"] = (c, i) => One(i["x"].Var(c.Longs("dims"), c.Bool("unbiased"), c.Bool("keepdim"))),
        ["std"] = (c, i) => One(i["x"].Std(c.Longs("dims"), c.Bool("unbiased"), c.Bool("keepdim"))),
        ["norm"] = (c, i) => One(i["x"].Norm(c.Double("p"))),
        ["norm_dims"] = (c, i) => One(i["x"].Norm(c.Double("p"), c.Longs("dims"), c.Bool("keepdim"))),
        ["any"] = (c, i) => One(i["x"].Any()),
        ["all"] = (c, i) => One(i["x"].All()),
        ["matmul"] = (c, i) => One(i["x"].MatMul(i["y"])),
        ["add"] = (c, i) => One(i["x"].Add(i["y"], c.Scalar("alpha"))),
        ["sub"] = (c, i) => One(i["x"] - i["y"]),
        ["mul"] = (c, i) => One(i["x"] * i["y"]),
        ["div"] = (c, i) => One(i["x"] / i["y"]),
        ["scalar_arith"] = (c, i) => One((2.5 - i["x"] * 3.0 + 1.5) / 4.0),
        ["rdiv"] = (c, i) => One(2.0 / i["x"]),
        ["pow"] = (c, i) => One(i["x"].Pow(c.Long("exponent"))),
        ["unary"] = (c, i) => One(Unary(c.Str("fn"), i["x"])),
        ["clamp"] = (c, i) => One(i["x"].Clamp(c.Double("min"), c.Double("max"))),
        ["lerp"] = (c, i) => One(i["x"].Lerp(i["y"], c.Double("weight"))),
        ["maximum"] = (c, i) => One(i["x"].Maximum(i["y"])),
    };

    private static Tensor Unary(string fn, Tensor x) => fn switch
    {
        "exp" => x.Exp(), "tanh" => x.Tanh(), "sigmoid" => x.Sigmoid(), "abs" => x.Abs(), "neg" => -x, "sin" => x.Sin(),
        "square" => x.Square(), "log" => x.Log(), "sqrt" => x.Sqrt(), "rsqrt" => x.Rsqrt(), "reciprocal" => x.Reciprocal(),
        _ => throw new ArgumentOutOfRangeException(nameof(fn), fn, "unary function"),
    };

    public static TheoryData<string> Cases => Golden.Names("tensor");

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var c = Golden.Case("tensor", name);
        Assert.True(Kinds.TryGetValue(c.Kind, out var kind), $"no C# twin for kind {c.Kind}");
        GoldenRunner.Check(c, i => kind!(c, i));
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.BFloat16)]
    [InlineData(DType.Float16)]
    [InlineData(DType.Int64)]
    [InlineData(DType.Int32)]
    [InlineData(DType.UInt8)]
    [InlineData(DType.Bool)]
    public void HostBytesRoundTripUnchanged(DType dtype)
    {
        // Every byte pattern of the element size, NaN payloads and -0.0 included, must survive
        // host -> libtorch -> host untouched (bool only has 0 and 1).
        int size = dtype.ElementSize();
        var bytes = Enumerable.Range(0, 64 * size).Select(k => dtype == DType.Bool ? (byte)(k % 2) : (byte)(k * 37 + 11)).ToArray();
        var host = new HostTensor(dtype, [4, 16], bytes);
        using var t = Tensor.FromHost(host);
        Assert.Equal(dtype, t.DType);
        Assert.Equal([4L, 16], t.Shape);
        Assert.Equal(bytes, t.ToHost().Data);
        using var strided = t.Transpose(0, 1);
        Assert.False(strided.IsContiguous);
        Assert.Equal([16L, 4], strided.ToHost().Shape);
    }
}
