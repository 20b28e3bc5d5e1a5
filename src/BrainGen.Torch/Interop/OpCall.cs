using System.Runtime.InteropServices;
using System.Text;

namespace BrainGen.Torch.Interop;

/// <summary>
/// Builds the argument list of one boxed operator call on the stack. Lists and strings are copied
/// into a per-thread native arena (reset at every call) rather than pinned, so a call allocates no
/// managed memory beyond its results. A null argument means "the schema's default" when the
/// argument has one (<c>nullIsDefault</c>), otherwise None.
/// </summary>
public unsafe ref struct OpCall
{
    private readonly OpHandle _op;
    private readonly Span<NativeValue> _args;

    public OpCall(OpHandle op, Span<NativeValue> args)
    {
        _op = op;
        _args = args;
        args.Clear();  // tag 0 = Default
        Arena.Reset();
    }

    public void Tensor(int i, Tensor value) => Set(i, ValueTag.Tensor, pointer: value.Handle);

    public void OptionalTensor(int i, Tensor? value, bool nullIsDefault = false)
    {
        if (value is null) Missing(i, nullIsDefault);
        else Set(i, ValueTag.Tensor, pointer: value.Handle);
    }

    public void Tensors(int i, Tensor[]? values, bool nullIsDefault = false)
    {
        if (values is null) { Missing(i, nullIsDefault); return; }
        var handles = Arena.Alloc<IntPtr>(values.Length);
        for (int k = 0; k < values.Length; k++) handles[k] = values[k].Handle;
        Set(i, ValueTag.Tensors, pointer: (IntPtr)handles, length: values.Length);
    }

    public void OptionalTensors(int i, Tensor?[]? values, bool nullIsDefault = false)
    {
        if (values is null) { Missing(i, nullIsDefault); return; }
        var handles = Arena.Alloc<IntPtr>(values.Length);
        for (int k = 0; k < values.Length; k++) handles[k] = values[k]?.Handle ?? IntPtr.Zero;
        Set(i, ValueTag.OptionalTensors, pointer: (IntPtr)handles, length: values.Length);
    }

    public void Int(int i, long? value, bool nullIsDefault = false)
    {
        if (value is null) Missing(i, nullIsDefault);
        else Set(i, ValueTag.Int, integer: value.Value);
    }

    public void Double(int i, double? value, bool nullIsDefault = false)
    {
        if (value is null) Missing(i, nullIsDefault);
        else _args[i] = new NativeValue { Tag = ValueTag.Double, Double = value.Value };
    }

    public void Bool(int i, bool? value, bool nullIsDefault = false)
    {
        if (value is null) Missing(i, nullIsDefault);
        else Set(i, ValueTag.Bool, integer: value.Value ? 1 : 0);
    }

    public void Ints(int i, long[]? values, bool nullIsDefault = false)
    {
        if (values is null) { Missing(i, nullIsDefault); return; }
        var p = Arena.Alloc<long>(values.Length);
        values.CopyTo(new Span<long>(p, values.Length));
        Set(i, ValueTag.Ints, pointer: (IntPtr)p, length: values.Length);
    }

    public void Doubles(int i, double[]? values, bool nullIsDefault = false)
    {
        if (values is null) { Missing(i, nullIsDefault); return; }
        var p = Arena.Alloc<double>(values.Length);
        values.CopyTo(new Span<double>(p, values.Length));
        Set(i, ValueTag.Doubles, pointer: (IntPtr)p, length: values.Length);
    }

    public void Bools(int i, bool[]? values, bool nullIsDefault = false)
    {
        if (values is null) { Missing(i, nullIsDefault); return; }
        var p = Arena.Alloc<byte>(values.Length);
        for (int k = 0; k < values.Length; k++) p[k] = values[k] ? (byte)1 : (byte)0;
        Set(i, ValueTag.Bools, pointer: (IntPtr)p, length: values.Length);
    }

    public void Scalar(int i, Scalar? value, bool nullIsDefault = false)
    {
        if (value is null) { Missing(i, nullIsDefault); return; }
        _args[i] = value.Value.ToNative();
    }

    public void DType(int i, DType? value, bool nullIsDefault = false) => Int(i, (long?)value, nullIsDefault);

    public void MemoryFormat(int i, MemoryFormat? value, bool nullIsDefault = false) => Int(i, (long?)value, nullIsDefault);

    public void Device(int i, Device? value, bool nullIsDefault = false)
    {
        if (value is null) { Missing(i, nullIsDefault); return; }
        Set(i, ValueTag.Device, integer: (long)value.Value.Type, length: value.Value.Index);
    }

    public void String(int i, string? value, bool nullIsDefault = false)
    {
        if (value is null) { Missing(i, nullIsDefault); return; }
        int n = Encoding.UTF8.GetByteCount(value);
        var p = Arena.Alloc<byte>(n + 1);
        Encoding.UTF8.GetBytes(value, new Span<byte>(p, n));
        p[n] = 0;
        Set(i, ValueTag.String, pointer: (IntPtr)p);
    }

    public void Generator(int i, Generator? value, bool nullIsDefault = false)
    {
        if (value is null) { Missing(i, nullIsDefault); return; }
        Set(i, ValueTag.Generator, pointer: value.Handle);
    }

    /// <summary>Runs the operator; <paramref name="results"/> must have room for its returns.</summary>
    public OpResults Invoke(Span<NativeValue> results)
    {
        int count;
        fixed (NativeValue* a = _args)
        fixed (NativeValue* r = results)
            count = NativeMethods.bg_call(_op.Handle, a, _args.Length, r, results.Length);
        if (count < 0) throw new TorchException(_op.QualifiedName, NativeMethods.LastError());
        return new OpResults(_op, results[..count]);
    }

    private void Missing(int i, bool nullIsDefault) =>
        _args[i] = new NativeValue { Tag = nullIsDefault ? ValueTag.Default : ValueTag.None };

    private void Set(int i, ValueTag tag, long integer = 0, IntPtr pointer = default, int length = 0) =>
        _args[i] = new NativeValue { Tag = tag, Int = integer, Pointer = pointer, Length = length };

    /// <summary>A per-thread bump allocator for argument lists; valid until the next call on the thread.</summary>
    private static class Arena
    {
        private const int Capacity = 64 * 1024;
        [ThreadStatic] private static byte* t_block;
        [ThreadStatic] private static int t_used;
        [ThreadStatic] private static List<IntPtr>? t_overflow;

        public static void Reset()
        {
            t_used = 0;
            if (t_overflow is { Count: > 0 })
            {
                foreach (var p in t_overflow) NativeMemory.Free((void*)p);
                t_overflow.Clear();
            }
        }

        public static T* Alloc<T>(int count) where T : unmanaged
        {
            int bytes = Math.Max(1, count) * sizeof(T);
            int aligned = (bytes + 15) & ~15;
            if (t_block == null) t_block = (byte*)NativeMemory.AlignedAlloc(Capacity, 16);
            if (t_used + aligned <= Capacity)
            {
                var p = t_block + t_used;
                t_used += aligned;
                return (T*)p;
            }
            // Rare: a very long list. It lives until the next call's Reset.
            var big = NativeMemory.Alloc((nuint)aligned);
            (t_overflow ??= new()).Add((IntPtr)big);
            return (T*)big;
        }
    }
}
