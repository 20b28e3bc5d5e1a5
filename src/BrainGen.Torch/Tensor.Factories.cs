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
        Drawn(on => Ops.RandnGenerator(shape, generator, dtype, device: on), generator, device);

    /// <summary>Uniform samples on [0, 1).</summary>
    public static Tensor Rand(long[] shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null) =>
        Drawn(on => Ops.RandGenerator(shape, generator, dtype, device: on), generator, device);

    /// <summary>Integers uniform on [low, high).</summary>
    public static Tensor RandInt(long low, long high, long[] shape, Generator? generator = null, Device? device = null) =>
        Drawn(on => Ops.RandintLowGenerator(low, high, shape, generator, DType.Int64, device: on), generator, device);

    /// <summary>
    /// A generator draws on its own device (libtorch refuses a CPU generator for a CUDA tensor), and
    /// the samples then move to <paramref name="device"/>: a seed gives the same numbers on every
    /// device, as diffusers' <c>randn_tensor</c> does.
    /// </summary>
    private static Tensor Drawn(Func<Device?, Tensor> draw, Generator? generator, Device? device)
    {
        if (generator is null || device is not { } target || target.Type == generator.Device.Type) return draw(device ?? generator?.Device);
        using var drawn = draw(generator.Device);
        return drawn.To(target);
    }

    public static Tensor RandPerm(long n, Generator? generator = null) => Ops.RandpermGenerator(n, generator, DType.Int64);

    public Tensor ZerosLike() => Ops.ZerosLike(this);
    public Tensor OnesLike() => Ops.OnesLike(this);

    public Tensor RandnLike(Generator? generator = null) => Randn(Shape, generator, DType, Device);
}
