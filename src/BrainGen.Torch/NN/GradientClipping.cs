namespace BrainGen.Torch.NN;

public static class GradientClipping
{
    /// <summary>
    /// torch.nn.utils.clip_grad_norm_: scales all gradients by min(1, maxNorm / (total + 1e-6)),
    /// where total is the p-norm of the per-parameter gradient norms. Returns the total norm.
    /// </summary>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2)
    {
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewDisposeScope();
        var grads = parameters.Select(p => p.Grad).Where(g => g is not null).Select(g => g!).ToArray();
        if (grads.Length == 0) return 0;
        Tensor total = double.IsPositiveInfinity(normType)
            ? Tensor.Stack(grads.Select(g => g.Abs().Max()).ToArray()).Max()
            : Tensor.Stack(grads.Select(g => g.Norm(normType)).ToArray()).Norm(normType);
        var coefficient = (maxNorm / (total + 1e-6)).Clamp(max: 1.0);
        foreach (var g in grads) g.Mul_(coefficient);
        return total.ToDouble();
    }
}
