using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BrainGen.Torch.Interop;

namespace BrainGen.Torch;

/// <summary>
/// A libtorch tensor. Each instance owns one reference to a native at::Tensor. Lifetimes are
/// deterministic: dispose it, or let the innermost <see cref="DisposeScope"/> dispose it; the
/// finalizer is only a backstop. Operators come from the generated <see cref="Ops"/> layer.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private IntPtr _handle;
    private static long s_live;

    /// <summary>The scope that will dispose this tensor, if any.</summary>
    internal DisposeScope? Scope;

    internal Tensor(IntPtr handle)
    {
        _handle = handle;
        Interlocked.Increment(ref s_live);
        DisposeScope.Current?.Add(this);
    }

    /// <summary>Tensors alive in this process (C# handles not yet disposed).</summary>
    public static long LiveCount => Interlocked.Read(ref s_live);

    /// <summary>Native tensor handles alive (each C# handle is one; the engine's own references are not counted).</summary>
    public static long NativeLiveCount => NativeMethods.bg_live_tensors();

    internal IntPtr Handle => _handle != IntPtr.Zero
        ? _handle
        : throw new ObjectDisposedException(nameof(Tensor), "the tensor was disposed (did its DisposeScope end? move it out with MoveToOuterScope)");

    public bool IsDisposed => _handle == IntPtr.Zero;

    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    ~Tensor() => Release();

    private void Release()
    {
        var h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (h == IntPtr.Zero) return;
        NativeMethods.bg_tensor_free(h);
        Interlocked.Decrement(ref s_live);
    }

    /// <summary>Hands this tensor to the scope around the current one (or to no scope); returns it.</summary>
    public Tensor MoveToOuterScope()
    {
        var scope = Scope;
        Scope = null;
        scope?.Outer?.Add(this);
        return this;
    }

    /// <summary>Takes this tensor out of every scope: the caller disposes it.</summary>
    public Tensor DetachFromScope()
    {
        Scope = null;
        return this;
    }

    // ---- metadata

    public unsafe long[] Shape
    {
        get
        {
            Span<long> buffer = stackalloc long[16];
            int n;
            fixed (long* p = buffer) n = NativeMethods.Check(NativeMethods.bg_tensor_sizes(Handle, p, buffer.Length), "sizes");
            if (n <= buffer.Length) return buffer[..n].ToArray();
            var big = new long[n];
            fixed (long* p = big) NativeMethods.bg_tensor_sizes(Handle, p, n);
            return big;
        }
    }

    public unsafe long[] Strides
    {
        get
        {
            int n = Dim;
            var strides = new long[n];
            fixed (long* p = strides) NativeMethods.Check(NativeMethods.bg_tensor_strides(Handle, p, n), "strides");
            return strides;
        }
    }

    public int Dim => NativeMethods.Check(NativeMethods.bg_tensor_dim(Handle), "dim");

    /// <summary>Size of one dimension; negative dims count from the end.</summary>
    public long Size(int dim)
    {
        var shape = Shape;
        int d = dim < 0 ? dim + shape.Length : dim;
        if (d < 0 || d >= shape.Length) throw new ArgumentOutOfRangeException(nameof(dim), $"dim {dim} for a {shape.Length}-d tensor");
        return shape[d];
    }

    public long NumElements => HostTensor.NumElements(Shape);

    public DType DType => (DType)NativeMethods.Check(NativeMethods.bg_tensor_dtype(Handle), "dtype");

    public unsafe Device Device
    {
        get
        {
            int index;
            int type = NativeMethods.Check(NativeMethods.bg_tensor_device(Handle, &index), "device");
            return new Device((DeviceType)type, index);
        }
    }

    public bool IsContiguous => NativeMethods.Check(NativeMethods.bg_tensor_is_contiguous(Handle), "is_contiguous") == 1;

    /// <summary>True when both are the same tensor object in libtorch (e.g. an in-place op's result and its input).</summary>
    public bool IsSame(Tensor other) => NativeMethods.Check(NativeMethods.bg_tensor_same(Handle, other.Handle), "is_same") == 1;

    /// <summary>A second handle to the same tensor, with its own lifetime.</summary>
    public Tensor Alias() => new(NativeMethods.Check(NativeMethods.bg_tensor_alias(Handle), "alias"));

    /// <summary>
    /// Replaces this tensor's data (storage, dtype, device) in place, keeping the object: what
    /// <c>param.data = x</c> does in PyTorch. Used to move module parameters between devices.
    /// </summary>
    public void SetData(Tensor data)
    {
        NativeMethods.Check(NativeMethods.bg_tensor_set_data(Handle, data.Handle), "set_data");
        GC.KeepAlive(data);
    }

    // ---- host exchange

    internal static DType DTypeOf<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return DType.Float32;
        if (typeof(T) == typeof(double)) return DType.Float64;
        if (typeof(T) == typeof(long)) return DType.Int64;
        if (typeof(T) == typeof(int)) return DType.Int32;
        if (typeof(T) == typeof(short)) return DType.Int16;
        if (typeof(T) == typeof(sbyte)) return DType.Int8;
        if (typeof(T) == typeof(byte)) return DType.UInt8;
        if (typeof(T) == typeof(bool)) return DType.Bool;
        if (typeof(T) == typeof(Half)) return DType.Float16;
        throw new ArgumentException($"no tensor dtype for {typeof(T).Name}; pass raw bytes with an explicit DType (e.g. bfloat16)");
    }

    /// <summary>Copies <paramref name="data"/> (C order) into a new tensor of the given shape.</summary>
    public static Tensor FromSpan<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> shape, Device? device = null) where T : unmanaged =>
        FromBytes(MemoryMarshal.AsBytes(data), DTypeOf<T>(), shape, device);

    public static Tensor FromArray<T>(T[] data, long[] shape, Device? device = null) where T : unmanaged =>
        FromSpan<T>(data, shape, device);

    /// <summary>A 1-d tensor holding <paramref name="data"/>.</summary>
    public static Tensor FromArray<T>(params T[] data) where T : unmanaged => FromSpan<T>(data, [data.Length]);

    /// <summary>Copies raw little-endian bytes of any dtype (bfloat16 included) into a new tensor.</summary>
    public static unsafe Tensor FromBytes(ReadOnlySpan<byte> bytes, DType dtype, ReadOnlySpan<long> shape, Device? device = null)
    {
        long expected = HostTensor.NumElements(shape.ToArray()) * dtype.ElementSize();
        if (bytes.Length != expected)
            throw new ArgumentException($"{bytes.Length} bytes given for a {dtype} tensor of shape [{string.Join(", ", shape.ToArray())}] ({expected} bytes)");
        var d = device ?? Device.CPU;
        fixed (byte* p = bytes)
        fixed (long* s = shape)
            return new Tensor(NativeMethods.Check(NativeMethods.bg_tensor_from_host(p, s, shape.Length, (int)dtype, (int)d.Type, d.Index), "from_host"));
    }

    public static Tensor FromHost(HostTensor host, Device? device = null) => FromBytes(host.Data, host.DType, host.Shape, device);

    public HostTensor ToHost()
    {
        var dtype = DType;
        var shape = Shape;
        var data = new byte[checked(HostTensor.NumElements(shape) * dtype.ElementSize())];
        CopyToBytes(data);
        return new HostTensor(dtype, shape, data);
    }

    public unsafe void CopyToBytes(Span<byte> destination)
    {
        fixed (byte* p = destination)
            NativeMethods.Check(NativeMethods.bg_tensor_to_host(Handle, p, destination.Length), "to_host");
    }

    /// <summary>Copies the elements in C order; <typeparamref name="T"/> must match the dtype.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        CheckDType<T>();
        var result = new T[NumElements];
        CopyToBytes(MemoryMarshal.AsBytes(result.AsSpan()));
        return result;
    }

    /// <summary>The single element of a one-element tensor.</summary>
    public T Item<T>() where T : unmanaged
    {
        if (NumElements != 1) throw new InvalidOperationException($"Item needs one element; shape is [{string.Join(", ", Shape)}]");
        return ToArray<T>()[0];
    }

    /// <summary>Zero-copy view of a contiguous CPU tensor's memory, valid while the tensor lives.</summary>
    public unsafe Span<T> AsSpan<T>() where T : unmanaged
    {
        CheckDType<T>();
        var p = NativeMethods.bg_tensor_data_ptr(Handle);
        if (p == null) throw new TorchException("data_ptr", NativeMethods.LastError());
        return new Span<T>(p, checked((int)NumElements));
    }

    /// <summary>
    /// Wraps a managed array without copying: libtorch reads and writes it in place, and the array
    /// stays pinned until libtorch releases the memory.
    /// </summary>
    public static unsafe Tensor WrapArray<T>(T[] data, long[] shape) where T : unmanaged
    {
        if (HostTensor.NumElements(shape) != data.Length)
            throw new ArgumentException($"{data.Length} elements do not fill shape [{string.Join(", ", shape)}]");
        var pin = GCHandle.Alloc(data, GCHandleType.Pinned);
        try
        {
            fixed (long* s = shape)
                return new Tensor(NativeMethods.Check(NativeMethods.bg_tensor_from_blob((void*)pin.AddrOfPinnedObject(), s, shape.Length,
                    (int)DTypeOf<T>(), &ReleasePin, GCHandle.ToIntPtr(pin)), "from_blob"));
        }
        catch
        {
            pin.Free();
            throw;
        }
    }

    [UnmanagedCallersOnly]
    private static void ReleasePin(IntPtr pin) => GCHandle.FromIntPtr(pin).Free();

    private void CheckDType<T>() where T : unmanaged
    {
        var expected = DTypeOf<T>();
        var actual = DType;
        if (actual != expected) throw new InvalidOperationException($"tensor is {actual}, not {expected} ({typeof(T).Name})");
    }

    public override string ToString() => IsDisposed ? "Tensor(disposed)" : $"Tensor({DType}, [{string.Join(", ", Shape)}], {Device})";
}
