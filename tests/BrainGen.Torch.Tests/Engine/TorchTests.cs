namespace BrainGen.Torch.Tests.Engine;

/// <summary>
/// Torch.cs: the generated op layer fits the linked libtorch, and the thread-local modes
/// (no_grad, enable_grad, inference_mode, CPU autocast) switch on and off exactly with their scopes.
/// </summary>
public class TorchTests
{
    [GeneratedFromLibtorchFact]
    public void EveryGeneratedOperatorFitsTheLibtorchItWasGeneratedFrom()
    {
        // Resolves each of the generated overloads and checks its runtime schema against the one
        // the C# method was generated from (tools/opgen/schemas-1.13.txt). On another libtorch some
        // generated operators the engine never calls have moved (2.11: 40 of the 1680, e.g.
        // aten::var.correction now takes a Scalar?); OperatorsTheEngineCallsFitTheLinkedLibtorch
        // is the check that must hold there.
        var problems = Torch.CheckGeneratedSchemas();
        Assert.True(problems.Count == 0, $"libtorch {Torch.Version}: {problems.Count} problems, e.g.\n{string.Join("\n", problems.Take(20))}");
    }

    [Fact]
    public void OperatorsTheEngineCallsFitTheLinkedLibtorch()
    {
        // Every generated operator that BrainGen.Torch's hand-written layer calls (read from its IL).
        var called = Interop.OperatorScan.CalledBy([typeof(Tensor).Assembly]);
        Assert.True(called.Count > 100, $"only {called.Count} operators found: the IL scan is broken");
        Assert.Contains(called, op => op.QualifiedName == "aten::convolution");
        var problems = Torch.CheckOperatorsCalledBy([typeof(Tensor).Assembly]);
        Assert.True(problems.Count == 0, $"libtorch {Torch.Version}: {problems.Count} problems:\n{string.Join("\n", problems)}");
    }

    [Fact]
    public void GeneratedOperatorsAreReallyChecked()
    {
        // The check above must be able to fail: an operator this libtorch lacks is reported.
        var missing = new Interop.OpHandle("aten::no_such_operator", "", "aten::no_such_operator(Tensor self) -> Tensor");
        Assert.False(missing.IsAvailable);
        var e = Assert.Throws<TorchException>(() => missing.RuntimeSchema());
        Assert.Contains("no such operator", e.Message);
        int generated = typeof(Ops).GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)
            .Count(f => f.FieldType == typeof(Interop.OpHandle));
        Assert.True(generated > 1000, $"only {generated} generated overloads were found to check");
    }

    private static Tensor Leaf(params float[] values) => Tensor.FromArray(values).RequiresGrad_();

    [Fact]
    public void NoGradStopsRecordingAndNests()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Leaf(1, 2);
        Assert.True(Torch.IsGradEnabled);
        using (Torch.NoGrad())
        {
            Assert.False(Torch.IsGradEnabled);
            Assert.False((x * 2).RequiresGrad);
            using (Torch.EnableGrad()) Assert.True((x * 2).RequiresGrad);
            Assert.False(Torch.IsGradEnabled);
        }
        Assert.True(Torch.IsGradEnabled);
        Assert.True((x * 2).RequiresGrad);
    }

    [Fact]
    public void InferenceModeTensorsCannotEnterAutograd()
    {
        using var scope = Torch.NewDisposeScope();
        var w = Leaf(1, 2);
        Tensor made;
        using (Torch.InferenceMode())
        {
            Assert.False(Torch.IsGradEnabled);
            made = w * 3;
            Assert.False(made.RequiresGrad);
        }
        Assert.True(Torch.IsGradEnabled);
        Assert.Equal([3f, 6f], made.ToArray<float>());
        var e = Assert.Throws<TorchException>(() => w * made);  // mul would save `made` for backward
        Assert.Contains("Inference tensors", e.Message);
        var ok = w * made.Clone();  // a clone is a normal tensor
        ok.Sum().Backward();
        Assert.Equal([3f, 6f], w.Grad!.ToArray<float>());
    }

    [Fact]
    public void AutocastCastsOnlyInsideItsScope()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Tensor.Ones([2, 3]);
        var w = Tensor.Ones([4, 3]);
        using (Torch.Autocast(DeviceType.CPU))
            Assert.Equal(DType.BFloat16, Functional.Linear(x, w).DType);
        Assert.Equal(DType.Float32, Functional.Linear(x, w).DType);
    }

    [Fact]
    public void Bf16ConvolutionsAndMatmulsRunWhateverOneDnnCanDo()
    {
        // With oneDNN capped below AVX-512 (DNNL_MAX_CPU_ISA=AVX2) on an AVX-512 CPU, libtorch 1.13
        // would send these to a oneDNN without bf16 kernels; the engine turns oneDNN off first.
        using var scope = Torch.NewDisposeScope();
        var image = Tensor.Ones([1, 2, 5, 5, 5], dtype: DType.BFloat16);
        var kernel = Tensor.Ones([3, 2, 3, 3, 3], dtype: DType.BFloat16);
        var matrix = Tensor.Ones([32, 32], dtype: DType.BFloat16);
        Assert.Equal(54f, Functional.Conv3d(image, kernel).Float().ToArray<float>()[0]);  // 2·27 ones: exact in bf16
        Assert.Equal(32f, matrix.MatMul(matrix).Float().ToArray<float>()[0]);
        Assert.NotEqual(Bf16CpuRouting.Unavailable, Torch.Bf16CpuRouting);
        if (Torch.Bf16CpuRouting == Bf16CpuRouting.OneDnnTurnedOff) Assert.False(Torch.OneDnnEnabled);
    }
}

/// <summary>A test that only holds on the libtorch release the op layer was generated from (skipped on others).</summary>
internal sealed class GeneratedFromLibtorchFactAttribute : FactAttribute
{
    public GeneratedFromLibtorchFactAttribute()
    {
        string release = string.Join('.', Ops.GeneratedFromVersion.Split('.').Take(2));
        if (!Torch.Version.StartsWith(release + ".", StringComparison.Ordinal))
            Skip = $"the op layer was generated from libtorch {Ops.GeneratedFromVersion}; this is {Torch.Version}";
    }
}
