using BrainGen.Torch.NN;

namespace BrainGen.Torch.Tests.Engine.NN;

/// <summary>
/// <see cref="GradientClipping.ClipGradNorm"/> against torch.nn.utils.clip_grad_norm_ for the
/// 2-, 1- and inf-norm, with the threshold both below the total norm (gradients scaled) and above
/// it (gradients untouched, since the coefficient clamps at 1).
/// </summary>
public class GradientClippingTests
{
    public static TheoryData<string> Cases => Golden.Names("optim", "clip");

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesClipGradNorm(string name)
    {
        var c = Golden.Case("optim", name);
        using var scope = Torch.NewDisposeScope();
        var grads = c.Role("in");
        var parameters = grads.Select(g => Tensor.Zeros(g.Value.Shape).RequiresGrad_()).ToArray();
        for (int i = 0; i < parameters.Length; i++) parameters[i].Grad = Tensor.FromHost(c[$"in/g{i}"]);

        double total = GradientClipping.ClipGradNorm(parameters, c.Double("max_norm"), c.Double("norm_type"));

        double expectedTotal = Expect.Decode(c["out/total"])[0];
        Assert.True(Math.Abs(total - expectedTotal) <= 1e-6 + 1e-5 * Math.Abs(expectedTotal), $"total norm {total}, PyTorch {expectedTotal}");
        for (int i = 0; i < parameters.Length; i++) Expect.Close(c[$"out/g{i}"], parameters[i].Grad, $"{name} grad {i}");
        bool clipped = expectedTotal > c.Double("max_norm");
        Assert.Equal(clipped, !Expect.Decode(c["out/g0"]).SequenceEqual(Expect.Decode(c["in/g0"])));
    }

    [Fact]
    public void ParametersWithoutGradientsAreSkipped()
    {
        using var scope = Torch.NewDisposeScope();
        var withGrad = Tensor.Zeros([2]).RequiresGrad_();
        withGrad.Grad = Tensor.FromArray(3f, 4f);
        var without = Tensor.Zeros([3]).RequiresGrad_();
        AssertClose.Equal(5.0, GradientClipping.ClipGradNorm([withGrad, without], 1.0), rel: 1e-6);
        Assert.Null(without.Grad);
        var g = withGrad.Grad!.ToArray<float>();
        AssertClose.Equal(0.6f, g[0], rel: 1e-6);
        AssertClose.Equal(0.8f, g[1], rel: 1e-6);
        Assert.Equal(0.0, GradientClipping.ClipGradNorm([without], 1.0));
    }
}
