using System.Runtime.InteropServices;

namespace BrainGen.Torch.Interop;

/// <summary>bg_value: one argument or result of a boxed operator call (see braingen_torch.h).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NativeValue
{
    internal ValueTag Tag;
    internal int Length;
    internal long Int;
    internal double Double;
    internal IntPtr Pointer;
}

internal enum ValueTag : int
{
    Default = 0,
    None = 1,
    Tensor = 2,
    Int = 3,
    Double = 4,
    Bool = 5,
    Ints = 6,
    Doubles = 7,
    Tensors = 8,
    OptionalTensors = 9,
    Device = 10,
    String = 11,
    Bools = 12,
    Generator = 13,
}
