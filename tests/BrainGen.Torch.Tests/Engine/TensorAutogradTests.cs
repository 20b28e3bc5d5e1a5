namespace BrainGen.Torch.Tests.Engine;

/// <summary>
/// Autograd through the facade (Tensor.Autograd.cs, Torch's grad modes), with the behaviours
/// PyTorch documents: gradients accumulate, graphs are freed unless retained, detach cuts the
/// graph but shares storage, autograd.grad can build a differentiable graph for second
/// derivatives. (no_grad and inference_mode are in TorchTests.)
/// </summary>
public class TensorAutogradTests
{
    private static Tensor Leaf(params float[] values) => Tensor.FromArray(values).RequiresGrad_();

    [Fact]
    public void GradientsAccumulateAcrossBackwardCalls()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Leaf(1, -2, 3);
        var y = (x * x).Sum();
        y.Backward(retainGraph: true);
        Assert.Equal([2f, -4f, 6f], x.Grad!.ToArray<float>());
        y.Backward();  // same graph again: d/dx adds up
        Assert.Equal([4f, -8f, 12f], x.Grad!.ToArray<float>());
        (x * 10).Sum().Backward();  // a second graph adds to the same .grad
        Assert.Equal([14f, 2f, 22f], x.Grad!.ToArray<float>());
        x.Grad = null;
        Assert.Null(x.Grad);
    }

    [Fact]
    public void SecondBackwardWithoutRetainGraphFails()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Leaf(1, 2);
        var y = (x.Exp() * x).Sum();  // exp and mul save tensors the first backward frees
        y.Backward();
        var e = Assert.Throws<TorchException>(() => y.Backward());
        Assert.Contains("second time", e.Message);
    }

    [Fact]
    public void RequiresGradPropagatesAndLeavesAreTracked()
    {
        using var scope = Torch.NewDisposeScope();
        var a = Tensor.FromArray(1f, 2f);
        var b = Leaf(3, 4);
        Assert.False(a.RequiresGrad);
        Assert.True(b.IsLeaf);
        var c = a + b;
        Assert.True(c.RequiresGrad);
        Assert.False(c.IsLeaf);
        Assert.False((a * 2).RequiresGrad);
        Assert.Contains("leaf", Assert.Throws<TorchException>(() => c.RequiresGrad = false).Message);  // only leaves may change the flag

        var z = b * 2;
        z.RetainGrad();  // non-leaf gradients are kept only on request
        (z * z).Sum().Backward();
        Assert.Equal([12f, 16f], z.Grad!.ToArray<float>());
        Assert.Equal([24f, 32f], b.Grad!.ToArray<float>());
        Assert.Null(a.Grad);
    }

    [Fact]
    public void DetachCutsTheGraphButSharesStorage()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Leaf(1, 2, 3);
        var d = x.Detach();
        Assert.False(d.RequiresGrad);
        using (Torch.NoGrad()) d.Mul_(2);  // same storage: x sees the change
        Assert.Equal([2f, 4f, 6f], x.ToArray<float>());
        var y = (x * d).Sum();
        y.Backward();
        Assert.Equal([2f, 4f, 6f], x.Grad!.ToArray<float>());  // d is a constant: no d(d)/dx term

        var h = x * 3;
        Assert.Same(h, h.Detach_());
        Assert.False(h.RequiresGrad);
    }

    [Fact]
    public void BackwardOfANonScalarNeedsAGradient()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Leaf(1, 2, 3);
        var y = x * x;
        var e = Assert.Throws<TorchException>(() => y.Backward());
        Assert.Contains("scalar", e.Message);
        y.Backward(Tensor.FromArray(1f, 0f, -1f));
        Assert.Equal([2f, 0f, -6f], x.Grad!.ToArray<float>());
    }

    [Fact]
    public void AutogradGradWithCreateGraphGivesSecondDerivatives()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Leaf(1, 2, -3);
        var y = x.Pow(3).Sum();
        var first = Autograd.Grad([y], [x], createGraph: true)[0]!;
        Assert.Equal([3f, 12f, 27f], first.ToArray<float>());  // 3x²
        Assert.True(first.RequiresGrad);
        var second = Autograd.Grad([first.Sum()], [x])[0]!;
        Assert.Equal([6f, 12f, -18f], second.ToArray<float>());  // 6x
        Assert.Null(x.Grad);  // autograd.grad leaves .grad alone

        var unused = Leaf(5);
        var z = (x * 2).Sum();
        Assert.Throws<TorchException>(() => Autograd.Grad([z], [x, unused], retainGraph: true));
        var grads = Autograd.Grad([z], [x, unused], allowUnused: true);
        Assert.Equal([2f, 2f, 2f], grads[0]!.ToArray<float>());
        Assert.Null(grads[1]);
    }
}
