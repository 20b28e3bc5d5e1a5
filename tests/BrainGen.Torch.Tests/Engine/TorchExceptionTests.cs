using BrainGen.Torch.NN;

namespace BrainGen.Torch.Tests.Engine;

/// <summary>
/// Bad input fails loudly and precisely: libtorch's errors arrive as <see cref="TorchException"/>
/// naming the operator and carrying libtorch's own message (without its C++ backtrace), disposed
/// tensors raise ObjectDisposedException before reaching native code, and host-side misuse is
/// rejected by the facade.
/// </summary>
public class TorchExceptionTests
{
    public static TheoryData<string, string, string> WrongShapes => new()
    {
        { "conv3d_3d_input", "aten::conv3d", "input to conv3d" },
        { "matmul", "aten::matmul", "cannot be multiplied" },
        { "cat", "aten::cat", "Sizes of tensors must match" },
        { "view", "aten::view", "invalid for input of size" },
        { "add", "aten::add.Tensor", "must match the size" },
        { "group_norm", "aten::group_norm", "divisible" },
        { "linear_module", "aten::linear", "cannot be multiplied" },
        { "grid_sample", "aten::grid_sampler", "grid" },
        { "index_out_of_range", "aten::index_select", "out of DATA bounds" },
    };

    private static Tensor Provoke(string name)
    {
        var x = Tensor.Ones([2, 3, 4]);
        switch (name)
        {
            case "conv3d_3d_input": return Functional.Conv3d(Tensor.Ones([3, 4, 4]), Tensor.Ones([1, 3, 3, 3, 3]));
            case "matmul": return x.MatMul(Tensor.Ones([3, 4]));
            case "cat": return Tensor.Cat([x, Tensor.Ones([2, 5, 5])], 0);
            case "view": return x.View(7);
            case "add": return x + Tensor.Ones([5]);
            case "group_norm": return Functional.GroupNorm(x, 2);
            case "linear_module":
                using (var layer = new Linear(5, 2)) return layer.Forward(x);
            case "grid_sample": return Functional.GridSample(Tensor.Ones([1, 1, 4, 4]), Tensor.Ones([1, 2, 2, 3]));
            case "index_out_of_range": return x.IndexSelect(1, Tensor.FromArray(0L, 7L));
            default: throw new ArgumentOutOfRangeException(nameof(name));
        }
    }

    [Theory]
    [MemberData(nameof(WrongShapes))]
    public void WrongShapesRaiseTheOperatorAndLibtorchsMessage(string name, string op, string fragment)
    {
        using var scope = Torch.NewDisposeScope();
        var e = Assert.Throws<TorchException>(() => Provoke(name));
        Assert.Equal(op, e.Operation);
        Assert.StartsWith(op + ": ", e.Message);
        Assert.Contains(fragment, e.NativeMessage);
        Assert.DoesNotContain("Exception raised from", e.NativeMessage);  // the C++ backtrace is stripped
    }

    [Fact]
    public void DisposedTensorsAreRejectedEverywhere()
    {
        using var scope = Torch.NewDisposeScope();
        var alive = Tensor.Ones([2]);
        var dead = Tensor.Ones([2]);
        dead.Dispose();
        Assert.True(dead.IsDisposed);
        Assert.Equal("Tensor(disposed)", dead.ToString());
        Assert.Throws<ObjectDisposedException>(() => dead.Shape);
        Assert.Throws<ObjectDisposedException>(() => dead.Sum());
        Assert.Throws<ObjectDisposedException>(() => alive + dead);  // as an argument, too
        Assert.Throws<ObjectDisposedException>(() => Tensor.Cat([alive, dead]));
        Assert.Throws<ObjectDisposedException>(() => dead.RequiresGrad = true);

        var layer = new Linear(2, 2);
        layer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => layer.Forward(alive));
    }

    [Fact]
    public void HostSideMisuseIsRejectedBeforeLibtorch()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Tensor.Ones([2, 2]);
        Assert.Throws<InvalidOperationException>(() => x.ToArray<double>());
        Assert.Throws<InvalidOperationException>(() => x.Item<float>());
        Assert.Throws<ArgumentException>(() => Tensor.FromBytes(new byte[7], DType.Float32, [2]));
        Assert.Throws<ArgumentException>(() => Functional.Interpolate(Tensor.Ones([1, 1, 2, 2]), size: [4, 4], scaleFactor: [2, 2]));
        Assert.Throws<ArgumentException>(() => Functional.Interpolate(Tensor.Ones([1, 1, 2, 2]), size: [4, 4, 4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Size(2));
        Assert.Throws<ArgumentException>(() => new GroupNorm(3, 4));
        Assert.Throws<ArgumentException>(() => new MultiheadAttention(6, 4));
    }

    [Fact]
    public void StrictLoadStateDictListsEveryProblem()
    {
        using var scope = Torch.NewDisposeScope();
        using var model = new Sequential(new Linear(3, 4), new SiLU(), new Linear(4, 2));
        HostTensor Zeros(params long[] shape) => new(DType.Float32, shape, new byte[4 * HostTensor.NumElements(shape)]);
        var state = new Dictionary<string, HostTensor>
        {
            ["0.weight"] = Zeros(4, 3),
            ["0.bias"] = Zeros(5),          // shape mismatch
            ["2.weight"] = Zeros(2, 4),
            ["2.extra"] = Zeros(1),         // unexpected
        };                                  // 2.bias is missing
        var before = model[2].StateDict().First().Value.ToArray<float>();

        var e = Assert.Throws<InvalidDataException>(() => model.LoadStateDict(state, strict: true, source: "ckpt.safetensors"));
        Assert.StartsWith("ckpt.safetensors: does not match Sequential", e.Message);
        Assert.Contains("missing keys: 2.bias", e.Message);
        Assert.Contains("unexpected keys: 2.extra", e.Message);
        Assert.Contains("0.bias: checkpoint [5], model [4]", e.Message);
        Assert.Equal(before, model[2].StateDict().First().Value.ToArray<float>());  // strict failure loads nothing

        var result = model.LoadStateDict(state, strict: false);
        Assert.False(result.IsExact);
        Assert.Equal(["2.bias"], result.Missing);
        Assert.Equal(["2.extra"], result.Unexpected);
        Assert.Single(result.ShapeMismatches);
        Assert.All(model[2].StateDict().First().Value.ToArray<float>(), v => Assert.Equal(0f, v));  // matching keys loaded
    }
}
