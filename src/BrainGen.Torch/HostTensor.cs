namespace BrainGen.Torch;

/// <summary>
/// A tensor's bytes in host memory, C-contiguous and little-endian: the neutral form that checkpoint
/// readers produce and writers consume, with no libtorch involved. <c>Tensor.FromHost</c> and
/// <c>Tensor.ToHost</c> move it across the native boundary with one copy.
/// </summary>
public sealed class HostTensor
{
    public HostTensor(DType dtype, long[] shape, byte[] data)
    {
        long numel = NumElements(shape);
        if (data.LongLength != checked(numel * dtype.ElementSize()))
            throw new ArgumentException($"{data.LongLength} bytes do not hold a {dtype} tensor of shape [{string.Join(", ", shape)}] ({(double)numel * dtype.ElementSize()} bytes)");
        DType = dtype;
        Shape = shape;
        Data = data;
    }

    public DType DType { get; }
    public long[] Shape { get; }
    public byte[] Data { get; }
    public long NumElements() => NumElements(Shape);

    public static long NumElements(IReadOnlyList<long> shape)
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative dimension {d} in shape [{string.Join(", ", shape)}]");
            n = checked(n * d);
        }
        return n;
    }

    public override string ToString() => $"HostTensor({DType}, [{string.Join(", ", Shape)}])";
}
