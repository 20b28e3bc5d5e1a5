using System.Runtime.InteropServices;

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

    /// <summary>How many elements are NaN or ±Inf (0 for integer and boolean tensors); reads the bytes, no libtorch.</summary>
    public long NonFiniteCount()
    {
        long bad = 0;
        switch (DType)
        {
            case DType.Float32:
                foreach (var x in MemoryMarshal.Cast<byte, float>(Data)) if (!float.IsFinite(x)) bad++;
                break;
            case DType.Float64:
                foreach (var x in MemoryMarshal.Cast<byte, double>(Data)) if (!double.IsFinite(x)) bad++;
                break;
            case DType.Float16:
                foreach (var x in MemoryMarshal.Cast<byte, Half>(Data)) if (!Half.IsFinite(x)) bad++;
                break;
            case DType.BFloat16:
                // bfloat16 is the top half of a float32: all-ones exponent bits (0x7F80) mean NaN or Inf.
                foreach (var x in MemoryMarshal.Cast<byte, ushort>(Data)) if ((x & 0x7F80) == 0x7F80) bad++;
                break;
        }
        return bad;
    }

    public override string ToString() => $"HostTensor({DType}, [{string.Join(", ", Shape)}])";
}
