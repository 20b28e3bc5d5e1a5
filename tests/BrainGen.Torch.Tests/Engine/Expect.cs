namespace BrainGen.Torch.Tests.Engine;

/// <summary>
/// Comparisons against PyTorch's values. Floating tensors must satisfy, element by element,
/// |actual − expected| ≤ atol + rtol·|expected| (numpy.allclose with PyTorch as the reference);
/// NaNs must sit where PyTorch has NaNs and infinities must match exactly. Tolerances per dtype:
/// float32 rtol 1e-5 with atol 1e-6 (for values that cancel to near 0, where a relative bound
/// alone would demand more than float32 has), float64 1e-10/1e-12, float16 1e-3/1e-5 and bfloat16
/// 1e-2/1e-4 (about one unit in the last place of those formats). Integer and boolean tensors,
/// and random draws, must be bit-identical. Reduced-precision arithmetic (bf16 autocast) is held
/// to a bound any correct kernel keeps instead (<see cref="WithinBf16Bound"/>), since oneDNN and
/// ATen's native kernels round differently.
/// </summary>
internal static class Expect
{
    public static (double Rtol, double Atol) Tolerance(DType dtype) => dtype switch
    {
        DType.Float32 => (1e-5, 1e-6),
        DType.Float64 => (1e-10, 1e-12),
        DType.Float16 => (1e-3, 1e-5),
        DType.BFloat16 => (1e-2, 1e-4),
        _ => (0, 0),
    };

    public static void Close(HostTensor expected, Tensor? actual, string what)
    {
        Assert.True(actual is not null, $"{what}: no tensor (PyTorch has one of shape [{string.Join(", ", expected.Shape)}])");
        Close(expected, actual!.ToHost(), what);
    }

    public static void Close(HostTensor expected, HostTensor actual, string what)
    {
        SameLayout(expected, actual, what);
        if (!expected.DType.IsFloatingPoint())
        {
            Bytes(expected, actual, what);
            return;
        }
        var (rtol, atol) = Tolerance(expected.DType);
        double[] e = Decode(expected), a = Decode(actual);
        int bad = 0, worst = -1;
        double worstExcess = 0;
        for (int k = 0; k < e.Length; k++)
        {
            double excess = Excess(e[k], a[k], rtol, atol);
            if (excess <= 0) continue;
            bad++;
            if (excess > worstExcess) (worstExcess, worst) = (excess, k);
        }
        if (bad > 0)
            Assert.Fail($"{what}: {bad} of {e.Length} elements differ beyond {atol:g} + {rtol:g}·|expected| ({expected.DType}); " +
                        $"worst at flat index {worst}: expected {e[worst]:R}, got {a[worst]:R}");
    }

    /// <summary>bfloat16's unit roundoff: it keeps 8 significant bits.</summary>
    public const double Bf16Unit = 1.0 / 256;

    /// <summary>
    /// How many units of <see cref="Bf16Unit"/>·Σ|terms| a bf16 result may be from the exact one.
    /// A kernel that accumulates in float32 is off by at most 3: its inputs rounded to bf16 (2) and
    /// its output (1). ATen's native bf16 kernels (what libtorch runs on a CPU without AVX-512)
    /// also round partial sums, and reach 2.8 on the autocast conv3d case (oneDNN 0.7). 8 keeps
    /// that kernel well inside and still fails wrong results: without its bias, a third of that
    /// case's elements lie beyond it (FunctionalGoldenTests). tools/fixtures/make_engine_fixtures.py
    /// checks both kernels against it.
    /// </summary>
    public const double Bf16BoundUnits = 8;

    /// <summary>
    /// A reduced-precision result against the float64 value of the same operation on the same
    /// inputs: |actual − exact| ≤ <see cref="Bf16BoundUnits"/>·<see cref="Bf16Unit"/>·magnitude,
    /// element by element, where magnitude is the sum of |terms| behind the element (for a dot
    /// product Σ|x||w|). <paramref name="golden"/> is PyTorch's result: dtype and shape must match it.
    /// </summary>
    public static void WithinBf16Bound(HostTensor golden, HostTensor exact, HostTensor magnitude, Tensor? actual, string what)
    {
        Assert.True(actual is not null, $"{what}: no tensor (PyTorch has one of shape [{string.Join(", ", golden.Shape)}])");
        var host = actual!.ToHost();
        SameLayout(golden, host, what);
        double[] e = Decode(exact), m = Decode(magnitude), a = Decode(host);
        int bad = 0, worst = -1;
        double worstUnits = 0;
        for (int k = 0; k < e.Length; k++)
        {
            double error = Math.Abs(a[k] - e[k]);
            double units = error == 0 ? 0 : error / (Bf16Unit * m[k]);
            if (double.IsNaN(units)) units = double.PositiveInfinity;
            if (units > Bf16BoundUnits) bad++;
            if (units > worstUnits) (worstUnits, worst) = (units, k);
        }
        if (bad > 0)
            Assert.Fail($"{what}: {bad} of {e.Length} elements differ from the exact value by more than {Bf16BoundUnits:g}·2^-8·Σ|terms| " +
                        $"({golden.DType}); worst at flat index {worst}: exact {e[worst]:R}, got {a[worst]:R}, Σ|terms| {m[worst]:R} ({worstUnits:F1} units)");
    }

    /// <summary>Bit-exact equality (integers, booleans, random draws).</summary>
    public static void Exact(HostTensor expected, Tensor actual, string what)
    {
        var host = actual.ToHost();
        SameLayout(expected, host, what);
        Bytes(expected, host, what);
    }

    private static void SameLayout(HostTensor expected, HostTensor actual, string what)
    {
        Assert.True(expected.DType == actual.DType, $"{what}: dtype {actual.DType}, PyTorch has {expected.DType}");
        Assert.True(expected.Shape.SequenceEqual(actual.Shape),
            $"{what}: shape [{string.Join(", ", actual.Shape)}], PyTorch has [{string.Join(", ", expected.Shape)}]");
    }

    private static void Bytes(HostTensor expected, HostTensor actual, string what)
    {
        int size = expected.DType.ElementSize();
        for (int k = 0; k < expected.Data.Length; k += size)
            if (!expected.Data.AsSpan(k, size).SequenceEqual(actual.Data.AsSpan(k, size)))
                Assert.Fail($"{what}: element {k / size} differs: expected {Describe(expected, k)}, got {Describe(actual, k)} ({expected.DType})");
    }

    private static double Excess(double expected, double actual, double rtol, double atol)
    {
        if (double.IsNaN(expected) || double.IsNaN(actual)) return double.IsNaN(expected) && double.IsNaN(actual) ? 0 : double.PositiveInfinity;
        if (double.IsInfinity(expected) || double.IsInfinity(actual)) return expected == actual ? 0 : double.PositiveInfinity;
        return Math.Abs(actual - expected) - (atol + rtol * Math.Abs(expected));
    }

    private static string Describe(HostTensor t, int offset) =>
        t.DType.IsFloatingPoint() ? Decode(t)[offset / t.DType.ElementSize()].ToString("R") : Convert.ToHexString(t.Data, offset, t.DType.ElementSize());

    /// <summary>Floating values of a host tensor as doubles (exact: every format widens losslessly).</summary>
    public static double[] Decode(HostTensor t)
    {
        var d = t.Data;
        int n = checked((int)t.NumElements());
        var result = new double[n];
        for (int k = 0; k < n; k++)
            result[k] = t.DType switch
            {
                DType.Float32 => BitConverter.ToSingle(d, 4 * k),
                DType.Float64 => BitConverter.ToDouble(d, 8 * k),
                DType.Float16 => (double)BitConverter.ToHalf(d, 2 * k),
                DType.BFloat16 => BitConverter.Int32BitsToSingle(BitConverter.ToUInt16(d, 2 * k) << 16),
                DType.Int64 => BitConverter.ToInt64(d, 8 * k),
                DType.Int32 => BitConverter.ToInt32(d, 4 * k),
                DType.UInt8 or DType.Bool => d[k],
                _ => throw new ArgumentOutOfRangeException(nameof(t), t.DType, "dtype"),
            };
        return result;
    }
}

/// <summary>
/// Runs one fixture case the way the Python script did: inputs from in/*, floating ones requiring
/// grad when the case has gradients; outputs compared with out/i; then the loss
/// Σᵢ (outᵢ · goutᵢ).sum() is backpropagated and every gradient compared with grad/*.
/// </summary>
internal static class GoldenRunner
{
    public static void Check(GoldenCase c, Func<Dictionary<string, Tensor>, Tensor[]> run,
                             IEnumerable<KeyValuePair<string, Tensor>>? parameters = null)
    {
        using var scope = Torch.NewDisposeScope();
        bool grad = c.Bool("grad");
        var inputs = new Dictionary<string, Tensor>();
        foreach (var (key, host) in c.Role("in"))
        {
            var t = Tensor.FromHost(host);
            if (grad && t.DType.IsFloatingPoint()) t.RequiresGrad = true;
            inputs[key] = t;
        }
        var outs = run(inputs);
        var expectedOuts = c.Role("out");
        Assert.True(expectedOuts.Count == outs.Length, $"{c.Name}: {outs.Length} outputs, PyTorch has {expectedOuts.Count}");
        for (int i = 0; i < outs.Length; i++) Compare(c, $"out/{i}", outs[i]);
        if (!grad) return;

        Tensor? loss = null;
        for (int i = 0; i < outs.Length; i++)
        {
            if (!c.Has($"gout/{i}")) continue;
            var term = (outs[i] * Tensor.FromHost(c[$"gout/{i}"])).Sum();
            loss = loss is null ? term : loss + term;
        }
        Assert.True(loss is not null, $"{c.Name}: the case has gradients but no upstream gradient");
        loss!.Backward();
        var expectedGrads = c.Role("grad").Where(e => !e.Key.StartsWith("param/", StringComparison.Ordinal)).ToList();
        Assert.True(expectedGrads.Count > 0 || parameters is not null, $"{c.Name}: no gradients to compare");
        foreach (var (key, _) in expectedGrads) Compare(c, $"grad/{key}", inputs[key].Grad);
        foreach (var (key, p) in parameters ?? []) Compare(c, $"grad/param/{key}", p.Grad);
    }

    /// <summary>
    /// One output or gradient: against PyTorch's value, or, where the fixture holds the exact value
    /// and magnitudes (bf16 cases), within the bf16 bound of the exact value.
    /// </summary>
    private static void Compare(GoldenCase c, string key, Tensor? actual)
    {
        if (c.Has($"exact/{key}"))
            Expect.WithinBf16Bound(c[key], c[$"exact/{key}"], c[$"magnitude/{key}"], actual, $"{c.Name} {key}");
        else
            Expect.Close(c[key], actual, $"{c.Name} {key}");
    }
}
