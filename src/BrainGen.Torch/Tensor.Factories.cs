namespace BrainGen.Torch;

// Creation. Random factories take an explicit Generator; without one they use the default
// generator (seeded by Torch.ManualSeed).
public sealed partial class Tensor
{
    public static Tensor Zeros(long[] shape, DType dtype = DType.Float32, Device? device = null) => Ops.Zeros(shape, dtype, device: device);
    public static Tensor Ones(long[] shape, DType dtype = DType.Float32, Device? device = null) => Ops.Ones(shape, dtype, device: device);
    public static Tensor Full(long[] shape, Scalar value, DType dtype = DType.Float32, Device? device = null) => Ops.Full(shape, value, dtype, device: device);
    public static Tensor Empty(long[] shape, DType dtype = DType.Float32, Device? device = null) => Ops.EmptyMemoryFormat(shape, dtype, device: device);
    public static Tensor Scalar(Scalar value, DType dtype = DType.Float32, Device? device = null) => Ops.Full([], value, dtype, device: device);

    public static Tensor Arange(Scalar start, Scalar end, Scalar? step = null, DType dtype = DType.Int64, Device? device = null) =>
        Ops.ArangeStartStep(start, end, step, dtype, device: device);

    public static Tensor Linspace(Scalar start, Scalar end, long steps, DType dtype = DType.Float32, Device? device = null) =>
        Ops.Linspace(start, end, steps, dtype, device: device);

    /// <summary>Standard normal samples; with the same seed equal to <c>torch.randn(shape, generator=g)</c>.</summary>
    public static Tensor Randn(long[] shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null) =>
        Ops.RandnGenerator(shape, generator, dtype, device: device ?? generator?.Device);

    /// <summary>Uniform samples on [0, 1).</summary>
    public static Tensor Rand(long[] shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null) =>
        Ops.RandGenerator(shape, generator, dtype, device: device ?? generator?.Device);

    /// <summary>Integers uniform on [low, high).</summary>
    public static Tensor RandInt(long low, long high, long[] shape, Generator? generator = null, Device? device = null) =>
        Ops.RandintLowGenerator(low, high, shape, generator, DType.Int64, device: device ?? generator?.Device);

    public static Tensor RandPerm(long n, Generator? generator = null) => Ops.RandpermGenerator(n, generator, DType.Int64);

    public Tensor ZerosLike() => Ops.ZerosLike(this);
    public Tensor OnesLike() => Ops.OnesLike(this);

    public Tensor RandnLike(Generator? generator = null) => Randn(Shape, generator, DType, Device);
}
