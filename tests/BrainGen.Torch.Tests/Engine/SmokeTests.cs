using BrainGen.Torch;

namespace BrainGen.Torch.Tests.Engine;

public class SmokeTests
{
    [Fact]
    public void AddAndConvRunThroughTheBoxedDispatcher()
    {
        using var scope = Torch.NewDisposeScope();
        var a = Tensor.FromArray([1f, 2f, 3f]);
        var b = Tensor.FromArray([10f, 20f, 30f]);
        var c = Ops.AddTensor(a, b, alpha: 2);
        Assert.Equal([21f, 42f, 63f], c.ToArray<float>());

        var x = Ops.Ones([1, 2, 4, 4, 4], dtype: DType.Float32);
        var w = Ops.Ones([3, 2, 3, 3, 3], dtype: DType.Float32);
        var y = Ops.Conv3d(x, w, padding: [1, 1, 1]);
        Assert.Equal([1L, 3, 4, 4, 4], y.Shape);
        Assert.Equal(54f, y.ToArray<float>()[1 * 16 + 1 * 4 + 1]);  // interior voxel: 2 channels x 27 taps
    }

    [Fact]
    public void ErrorsCarryTheOperatorAndLibtorchsMessage()
    {
        using var scope = Torch.NewDisposeScope();
        var a = Ops.Ones([2, 3]);
        var e = Assert.Throws<TorchException>(() => Ops.Mm(a, a));
        Assert.Equal("aten::mm", e.Operation);
        Assert.Contains("cannot be multiplied", e.Message);
    }
}
