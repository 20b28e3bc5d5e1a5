using System.Text;

namespace BrainGen.Torch.Interop;

/// <summary>
/// One ATen operator overload, looked up in the dispatcher on first use and cached for the process
/// lifetime. The first lookup also checks that the runtime schema still fits the one the C# method
/// was generated from (see <see cref="SchemaText.IsCompatible"/>).
/// </summary>
public sealed class OpHandle
{
    private IntPtr _handle;

    public OpHandle(string name, string overload, string generatedSchema)
    {
        Name = name;
        Overload = overload;
        GeneratedSchema = generatedSchema;
    }

    public string Name { get; }
    public string Overload { get; }
    public string GeneratedSchema { get; }
    public string QualifiedName => Overload.Length == 0 ? Name : $"{Name}.{Overload}";

    /// <summary>True when the libtorch in use has this operator (a capability check; never throws).</summary>
    public bool IsAvailable => TryFind() != IntPtr.Zero;

    internal IntPtr Handle
    {
        get
        {
            if (_handle != IntPtr.Zero) return _handle;
            var found = TryFind();
            if (found == IntPtr.Zero)
                throw new TorchException(QualifiedName, $"this libtorch ({Torch.Version}) has no such operator; it was generated from {Ops.GeneratedFromVersion}");
            var runtime = RuntimeSchema(found);
            if (!SchemaText.IsCompatible(GeneratedSchema, runtime, out var why))
                throw new TorchException(QualifiedName,
                    $"schema mismatch ({why}): generated from '{GeneratedSchema}', libtorch {Torch.Version} has '{runtime}'. Regenerate with tools/opgen.");
            _handle = found;
            return found;
        }
    }

    /// <summary>The schema text the running libtorch reports for this operator.</summary>
    public string RuntimeSchema() => RuntimeSchema(Handle);

    private IntPtr TryFind() => _handle != IntPtr.Zero ? _handle : NativeMethods.bg_op_find(Name, Overload);

    private static unsafe string RuntimeSchema(IntPtr op)
    {
        Span<byte> buffer = stackalloc byte[1024];
        int length;
        fixed (byte* p = buffer) length = NativeMethods.Check(NativeMethods.bg_op_schema(op, p, buffer.Length), "bg_op_schema");
        if (length < buffer.Length) return Encoding.UTF8.GetString(buffer[..length]);
        var big = new byte[length + 1];
        fixed (byte* p = big) NativeMethods.bg_op_schema(op, p, big.Length);
        return Encoding.UTF8.GetString(big, 0, length);
    }
}
