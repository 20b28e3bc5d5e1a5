using BrainGen.Torch.Interop;

namespace BrainGen.Torch;

/// <summary>An ATen Scalar: an integer, a floating-point number or a boolean.</summary>
public readonly struct Scalar
{
    private readonly long _int;
    private readonly double _double;
    private readonly Kind _kind;

    private enum Kind : byte { Int, Double, Bool }

    public Scalar(long value) => (_int, _double, _kind) = (value, value, Kind.Int);
    public Scalar(double value) => (_int, _double, _kind) = ((long)value, value, Kind.Double);
    public Scalar(bool value) => (_int, _double, _kind) = (value ? 1 : 0, value ? 1 : 0, Kind.Bool);

    public static implicit operator Scalar(long value) => new(value);
    public static implicit operator Scalar(int value) => new(value);
    public static implicit operator Scalar(double value) => new(value);
    public static implicit operator Scalar(float value) => new((double)value);
    public static implicit operator Scalar(bool value) => new(value);

    public bool IsFloatingPoint => _kind == Kind.Double;
    public double ToDouble() => _double;
    public long ToInt64() => _int;
    public bool ToBoolean() => _int != 0;

    internal NativeValue ToNative() => _kind switch
    {
        Kind.Int => new NativeValue { Tag = ValueTag.Int, Int = _int },
        Kind.Bool => new NativeValue { Tag = ValueTag.Bool, Int = _int },
        _ => new NativeValue { Tag = ValueTag.Double, Double = _double },
    };

    public override string ToString() => _kind switch
    {
        Kind.Int => _int.ToString(),
        Kind.Bool => _int != 0 ? "True" : "False",
        _ => _double.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
    };
}
