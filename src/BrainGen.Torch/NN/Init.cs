namespace BrainGen.Torch.NN;

/// <summary>torch.nn.init: the initializations PyTorch's layers use by default, drawn from a generator.</summary>
public static class Init
{
    /// <summary>fan_in and fan_out as torch.nn.init._calculate_fan_in_and_fan_out computes them.</summary>
    public static (long FanIn, long FanOut) Fans(long[] shape)
    {
        if (shape.Length < 2) throw new ArgumentException("fan in/out need a tensor with at least 2 dimensions");
        long receptive = 1;
        for (int k = 2; k < shape.Length; k++) receptive *= shape[k];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    /// <summary>kaiming_uniform_(w, a) with leaky-relu gain: U(-b, b), b = sqrt(2 / (1 + a²)) · sqrt(3 / fan_in).</summary>
    public static void KaimingUniform_(Tensor weight, double a = 0, Generator? generator = null)
    {
        var (fanIn, _) = Fans(weight.Shape);
        double bound = Math.Sqrt(2.0 / (1 + a * a)) * Math.Sqrt(3.0 / fanIn);
        using var noGrad = Torch.NoGrad();
        weight.Uniform_(-bound, bound, generator);
    }

    /// <summary>xavier_uniform_: U(-b, b), b = gain · sqrt(6 / (fan_in + fan_out)).</summary>
    public static void XavierUniform_(Tensor weight, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = Fans(weight.Shape);
        double bound = gain * Math.Sqrt(6.0 / (fanIn + fanOut));
        using var noGrad = Torch.NoGrad();
        weight.Uniform_(-bound, bound, generator);
    }

    /// <summary>The default bias of Linear and Conv layers: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).</summary>
    public static void FanInUniform_(Tensor bias, long fanIn, Generator? generator = null)
    {
        double bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
        using var noGrad = Torch.NoGrad();
        bias.Uniform_(-bound, bound, generator);
    }

    public static void Zeros_(Tensor t)
    {
        using var noGrad = Torch.NoGrad();
        t.Zero_();
    }

    public static void Normal_(Tensor t, double mean = 0, double std = 1, Generator? generator = null)
    {
        using var noGrad = Torch.NoGrad();
        t.Normal_(mean, std, generator);
    }
}
