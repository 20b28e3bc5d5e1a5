namespace BrainGen.Torch.Serialization;

/// <summary>
/// One tensor of a safetensors header: its name, element type, shape, and where its bytes lie
/// in the data section (<see cref="Begin"/> inclusive, <see cref="End"/> exclusive, relative to
/// the start of the data section as the format defines).
/// </summary>
public sealed class SafeTensorsEntry
{
    internal SafeTensorsEntry(string name, DType dtype, long[] shape, long begin, long end)
    {
        Name = name;
        DType = dtype;
        _shape = shape;
        Begin = begin;
        End = end;
    }

    private readonly long[] _shape;

    public string Name { get; }
    public DType DType { get; }
    public IReadOnlyList<long> Shape => _shape;
    public long Begin { get; }
    public long End { get; }
    public long ByteLength => End - Begin;
    public long NumElements() => HostTensor.NumElements(_shape);

    /// <summary>A fresh copy of the shape, e.g. to build a <see cref="HostTensor"/>.</summary>
    public long[] ShapeArray() => (long[])_shape.Clone();

    public override string ToString() =>
        $"{Name}: {SafeTensorsDType.ToName(DType)} [{string.Join(", ", _shape)}] at [{Begin}, {End})";
}
