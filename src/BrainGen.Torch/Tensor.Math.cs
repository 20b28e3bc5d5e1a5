namespace BrainGen.Torch;

// Arithmetic, comparisons, elementwise functions and reductions: thin names over the generated ops.
public sealed partial class Tensor
{
    public static Tensor operator +(Tensor a, Tensor b) => Ops.AddTensor(a, b);
    public static Tensor operator +(Tensor a, Scalar b) => Ops.AddScalar(a, b);
    public static Tensor operator +(Scalar a, Tensor b) => Ops.AddScalar(b, a);
    public static Tensor operator -(Tensor a, Tensor b) => Ops.SubTensor(a, b);
    public static Tensor operator -(Tensor a, Scalar b) => Ops.SubScalar(a, b);
    public static Tensor operator -(Scalar a, Tensor b) => Ops.RsubScalar(b, a);
    public static Tensor operator -(Tensor a) => Ops.Neg(a);
    public static Tensor operator *(Tensor a, Tensor b) => Ops.MulTensor(a, b);
    public static Tensor operator *(Tensor a, Scalar b) => Ops.MulScalar(a, b);
    public static Tensor operator *(Scalar a, Tensor b) => Ops.MulScalar(b, a);
    public static Tensor operator /(Tensor a, Tensor b) => Ops.DivTensor(a, b);
    public static Tensor operator /(Tensor a, Scalar b) => Ops.DivScalar(a, b);
    public static Tensor operator /(Scalar a, Tensor b)
    {
        // As PyTorch's __rtruediv__: reciprocal then scale. The reciprocal is freed here, not left
        // to the caller's scope (or, with no scope, to the finalizer).
        using var reciprocal = Ops.Reciprocal(b);
        return Ops.MulScalar(reciprocal, a);
    }

    public Tensor Add(Tensor other, Scalar? alpha = null) => Ops.AddTensor(this, other, alpha);
    public Tensor Pow(Scalar exponent) => Ops.PowTensorScalar(this, exponent);
    public Tensor Pow(Tensor exponent) => Ops.PowTensorTensor(this, exponent);
    public Tensor Square() => Ops.Square(this);
    public Tensor Sqrt() => Ops.Sqrt(this);
    public Tensor Rsqrt() => Ops.Rsqrt(this);
    public Tensor Exp() => Ops.Exp(this);
    public Tensor Log() => Ops.Log(this);
    public Tensor Abs() => Ops.Abs(this);
    public Tensor Sign() => Ops.Sign(this);
    public Tensor Sin() => Ops.Sin(this);
    public Tensor Cos() => Ops.Cos(this);
    public Tensor Tanh() => Ops.Tanh(this);
    public Tensor Sigmoid() => Ops.Sigmoid(this);
    public Tensor Reciprocal() => Ops.Reciprocal(this);
    public Tensor Floor() => Ops.Floor(this);
    public Tensor Round() => Ops.Round(this);
    public Tensor Clamp(Scalar? min = null, Scalar? max = null) => Ops.Clamp(this, min, max);
    public Tensor Maximum(Tensor other) => Ops.Maximum(this, other);
    public Tensor Minimum(Tensor other) => Ops.Minimum(this, other);
    public Tensor Lerp(Tensor end, Scalar weight) => Ops.LerpScalar(this, end, weight);
    public Tensor MatMul(Tensor other) => Ops.Matmul(this, other);

    public Tensor Eq(Scalar other) => Ops.EqScalar(this, other);
    public Tensor Eq(Tensor other) => Ops.EqTensor(this, other);
    public Tensor Ne(Scalar other) => Ops.NeScalar(this, other);
    public Tensor Gt(Scalar other) => Ops.GtScalar(this, other);
    public Tensor Gt(Tensor other) => Ops.GtTensor(this, other);
    public Tensor Ge(Scalar other) => Ops.GeScalar(this, other);
    public Tensor Lt(Scalar other) => Ops.LtScalar(this, other);
    public Tensor Lt(Tensor other) => Ops.LtTensor(this, other);
    public Tensor Le(Scalar other) => Ops.LeScalar(this, other);
    public Tensor IsNaN() => Ops.Isnan(this);
    public Tensor IsFinite() => Ops.Isfinite(this);
    public Tensor MaskedFill(Tensor mask, Scalar value) => Ops.MaskedFillScalar(this, mask, value);

    /// <summary>condition ? a : b, elementwise with broadcasting.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) => Ops.WhereSelf(condition, a, b);

    // ---- reductions (dims negative from the end; no dims = over everything)

    public Tensor Sum() => Ops.Sum(this);
    public Tensor Sum(long[] dims, bool keepDim = false) => Ops.SumDimIntList(this, dims, keepDim);
    public Tensor Sum(long dim, bool keepDim = false) => Ops.SumDimIntList(this, [dim], keepDim);
    public Tensor Mean() => Ops.Mean(this);
    public Tensor Mean(long[] dims, bool keepDim = false) => Ops.MeanDim(this, dims, keepDim);
    public Tensor Mean(long dim, bool keepDim = false) => Ops.MeanDim(this, [dim], keepDim);
    public Tensor Max() => Ops.Max(this);
    public Tensor Min() => Ops.Min(this);
    public (Tensor Values, Tensor Indices) Max(long dim, bool keepDim = false) => Ops.MaxDim(this, dim, keepDim);
    public (Tensor Values, Tensor Indices) Min(long dim, bool keepDim = false) => Ops.MinDim(this, dim, keepDim);
    public Tensor ArgMax(long? dim = null, bool keepDim = false) => Ops.Argmax(this, dim, keepDim);

    /// <summary>Variance with Bessel's correction unless <paramref name="unbiased"/> is false.</summary>
    public Tensor Var(long[]? dims = null, bool unbiased = true, bool keepDim = false) => Ops.VarDim(this, dims, unbiased, keepDim);
    public Tensor Std(long[]? dims = null, bool unbiased = true, bool keepDim = false) => Ops.StdDim(this, dims, unbiased, keepDim);

    /// <summary>The p-norm over all elements (2 by default).</summary>
    public Tensor Norm(double p = 2) => Ops.NormScalar(this, p);
    public Tensor Norm(double p, long[] dims, bool keepDim = false) => Ops.NormScalarOptDim(this, p, dims, keepDim);
    public Tensor Any() => Ops.Any(this);
    public Tensor All() => Ops.All(this);

    /// <summary>How many elements are NaN or ±Inf (0 for integer and boolean tensors, which cannot hold them).</summary>
    public long NonFiniteCount()
    {
        if (!DType.IsFloatingPoint()) return 0;
        using var finite = Ops.Isfinite(this);
        using var count = finite.Sum();
        return NumElements - count.ToInt64();
    }

    /// <summary>The value of a one-element tensor as a double (any dtype, any device).</summary>
    public double ToDouble() => Ops.Item(this).ToDouble();

    public long ToInt64() => Ops.Item(this).ToInt64();

    // ---- in-place (return this)

    public Tensor Add_(Tensor other, Scalar? alpha = null) { Ops.Add_Tensor(this, other, alpha).Dispose(); return this; }
    public Tensor Add_(Scalar other) { Ops.Add_Scalar(this, other).Dispose(); return this; }
    public Tensor Mul_(Tensor other) { Ops.Mul_Tensor(this, other).Dispose(); return this; }
    public Tensor Mul_(Scalar other) { Ops.Mul_Scalar(this, other).Dispose(); return this; }
    public Tensor Div_(Scalar other) { Ops.Div_Scalar(this, other).Dispose(); return this; }
    public Tensor Sub_(Tensor other, Scalar? alpha = null) { Ops.Sub_Tensor(this, other, alpha).Dispose(); return this; }
    public Tensor Addcmul_(Tensor a, Tensor b, Scalar? value = null) { Ops.Addcmul_(this, a, b, value).Dispose(); return this; }
    public Tensor Addcdiv_(Tensor a, Tensor b, Scalar? value = null) { Ops.Addcdiv_(this, a, b, value).Dispose(); return this; }
    public Tensor Lerp_(Tensor end, Scalar weight) { Ops.Lerp_Scalar(this, end, weight).Dispose(); return this; }
    public Tensor Clamp_(Scalar? min = null, Scalar? max = null) { Ops.Clamp_(this, min, max).Dispose(); return this; }
    public Tensor Zero_() { Ops.Zero_(this).Dispose(); return this; }
    public Tensor Fill_(Scalar value) { Ops.Fill_Scalar(this, value).Dispose(); return this; }

    /// <summary>Copies <paramref name="source"/> into this tensor (broadcasting, converting dtype and device).</summary>
    public Tensor Copy_(Tensor source) { Ops.Copy_(this, source).Dispose(); return this; }

    public Tensor Uniform_(double from, double to, Generator? generator = null) { Ops.Uniform_(this, from, to, generator).Dispose(); return this; }
    public Tensor Normal_(double mean = 0, double std = 1, Generator? generator = null) { Ops.Normal_(this, mean, std, generator).Dispose(); return this; }
}
