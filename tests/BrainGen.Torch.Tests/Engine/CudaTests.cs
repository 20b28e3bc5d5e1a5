namespace BrainGen.Torch.Tests.Engine;

/// <summary>A test that needs a CUDA device; skipped (and reported as skipped) where libtorch sees none.</summary>
internal sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (!Torch.IsCudaAvailable) Skip = $"no CUDA device (libtorch {Torch.Version})";
    }
}

/// <summary>
/// CUDA against the CPU: the same seeds give the same draws, and the kernels the models use give the
/// CPU's values within TF32 tolerance (cuDNN convolutions use TF32 on Ampere and later, as in PyTorch).
/// </summary>
public class CudaTests
{
    private static readonly Device Gpu = Device.CUDA();

    [CudaFact]
    public void CpuGeneratorDrawsTheSameNumbersForCudaTensors()
    {
        using var scope = Torch.NewDisposeScope();
        using Generator a = new(11), b = new(11);
        foreach (var (cpu, cuda) in new[]
                 {
                     (Tensor.Randn([2, 3, 4, 5], a), Tensor.Randn([2, 3, 4, 5], b, device: Gpu)),
                     (Tensor.Rand([7, 3], a), Tensor.Rand([7, 3], b, device: Gpu)),
                     (Tensor.RandInt(0, 1000, [9], a), Tensor.RandInt(0, 1000, [9], b, device: Gpu)),
                 })
        {
            Assert.Equal(DeviceType.CUDA, cuda.Device.Type);
            Assert.Equal(cpu.ToHost().Data, cuda.ToHost().Data);
        }
        // The generators stayed in step: the next draw matches too.
        Assert.Equal(Tensor.Randn([5], a).ToArray<float>(), Tensor.Randn([5], b, device: Gpu).ToArray<float>());
    }

    [CudaFact]
    public void CudaGeneratorStateRoundTrips()
    {
        using var scope = Torch.NewDisposeScope();
        using var g = new Generator(5, Gpu);
        var state = g.GetState();
        var first = Tensor.Randn([64], g);
        Assert.Equal(DeviceType.CUDA, first.Device.Type);
        g.SetState(state);
        Assert.Equal(first.ToArray<float>(), Tensor.Randn([64], g).ToArray<float>());
    }

    [CudaFact]
    public void ConvNormAttentionForwardAndBackwardMatchTheCpu()
    {
        using var scope = Torch.NewDisposeScope();
        using var g = new Generator(3);
        var x = Tensor.Randn([2, 4, 6, 6, 6], g);
        var w = Tensor.Randn([8, 4, 3, 3, 3], g) * 0.2;
        var gamma = Tensor.Randn([8], g);

        (float[] Out, float[] GradX, float[] GradW) Run(Device device)
        {
            var xd = x.To(device).Detach().RequiresGrad_();  // a fresh leaf per device (To(CPU) returns x itself)
            var wd = w.To(device).Detach().RequiresGrad_();
            var h = Functional.GroupNorm(Functional.Conv3d(xd, wd, padding: [1, 1, 1]), 4, gamma.To(device));  // (2, 8, 6, 6, 6)
            var tokens = h.Flatten(2).Transpose(1, 2);  // (B, N, C)
            var y = Functional.ScaledDotProductAttention(tokens, tokens, tokens);
            (y * y).Sum().Backward();
            return (y.ToArray<float>(), xd.Grad!.ToArray<float>(), wd.Grad!.ToArray<float>());
        }

        var cpu = Run(Device.CPU);
        var cuda = Run(Gpu);
        CloseRelativeToScale(cpu.Out, cuda.Out, "output");
        CloseRelativeToScale(cpu.GradX, cuda.GradX, "grad x");
        CloseRelativeToScale(cpu.GradW, cuda.GradW, "grad w");
    }

    [CudaFact]
    public void CudaAutocastRunsConvolutionsInBf16OnlyOnCuda()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Tensor.Ones([1, 2, 4, 4, 4]);
        var w = Tensor.Ones([3, 2, 3, 3, 3]);
        using (Torch.Autocast(DeviceType.CUDA))
        {
            Assert.Equal(DType.BFloat16, Functional.Conv3d(x.To(Gpu), w.To(Gpu)).DType);
            Assert.Equal(DType.Float32, Functional.Conv3d(x, w).DType);  // CPU autocast stays off
        }
        Assert.Equal(DType.Float32, Functional.Conv3d(x.To(Gpu), w.To(Gpu)).DType);
    }

    /// <summary>max |cuda − cpu| ≤ 1e-2 · max |cpu|: TF32 keeps 10 mantissa bits in products.</summary>
    private static void CloseRelativeToScale(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(v => Math.Abs((double)v)), worst = 0;
        for (int k = 0; k < expected.Length; k++) worst = Math.Max(worst, Math.Abs((double)expected[k] - actual[k]));
        Assert.True(worst <= 1e-2 * scale, $"{what}: max |cuda − cpu| = {worst:g4} against max |cpu| = {scale:g4}");
    }
}
