using System.Runtime.InteropServices;

namespace BrainGen.Torch.Interop;

/// <summary>The values an operator call returned; each accessor takes ownership of its native result.</summary>
public readonly unsafe ref struct OpResults
{
    private readonly OpHandle _op;
    private readonly Span<NativeValue> _values;

    internal OpResults(OpHandle op, Span<NativeValue> values)
    {
        _op = op;
        _values = values;
    }

    public int Count => _values.Length;

    public Tensor Tensor(int k)
    {
        var v = Expect(k, ValueTag.Tensor, ValueTag.None);
        // Some kernels (e.g. backward ops with an output mask) return undefined tensors.
        return v.Pointer == IntPtr.Zero ? null! : new Tensor(v.Pointer);
    }

    public Tensor[] Tensors(int k)
    {
        var v = Expect(k, ValueTag.Tensors);
        var handles = (IntPtr*)v.Pointer;
        var tensors = new Tensor[v.Length];
        for (int i = 0; i < v.Length; i++) tensors[i] = new Tensor(handles[i]);
        NativeMethods.bg_free(v.Pointer);
        return tensors;
    }

    public long Int(int k) => Expect(k, ValueTag.Int).Int;

    public double Double(int k)
    {
        var v = _values[k];
        return v.Tag == ValueTag.Int ? v.Int : Expect(k, ValueTag.Double).Double;
    }

    public bool Bool(int k) => Expect(k, ValueTag.Bool).Int != 0;

    public Scalar Scalar(int k)
    {
        var v = _values[k];
        return v.Tag switch
        {
            ValueTag.Int => new Scalar(v.Int),
            ValueTag.Double => new Scalar(v.Double),
            ValueTag.Bool => new Scalar(v.Int != 0),
            _ => throw Unexpected(k, v.Tag),
        };
    }

    public long[] Ints(int k)
    {
        var v = Expect(k, ValueTag.Ints);
        var result = new Span<long>((void*)v.Pointer, v.Length).ToArray();
        NativeMethods.bg_free(v.Pointer);
        return result;
    }

    public double[] Doubles(int k)
    {
        var v = Expect(k, ValueTag.Doubles);
        var result = new Span<double>((void*)v.Pointer, v.Length).ToArray();
        NativeMethods.bg_free(v.Pointer);
        return result;
    }

    private NativeValue Expect(int k, ValueTag tag, ValueTag alternative = (ValueTag)(-1))
    {
        var v = _values[k];
        if (v.Tag != tag && v.Tag != alternative) throw Unexpected(k, v.Tag);
        return v;
    }

    private TorchException Unexpected(int k, ValueTag tag) =>
        new(_op.QualifiedName, $"result {k} has kind {tag}, which does not match the generated signature");
}
