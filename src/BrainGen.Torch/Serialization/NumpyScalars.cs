using System.Buffers.Binary;
using System.Numerics;

namespace BrainGen.Torch.Serialization;

/// <summary>
/// numpy scalars as plain numbers. MONAI and Lightning checkpoints store metrics such as
/// <c>best_metric</c> as <c>numpy.float64</c>, which pickles as
/// <c>numpy.core.multiarray.scalar(numpy.dtype('f8') + BUILD state, raw bytes)</c>. Only numeric
/// and bool dtypes are understood; the value becomes a double, a long (a BigInteger for uint64
/// beyond long) or a bool, and nothing from numpy is ever imported.
/// </summary>
internal static class NumpyScalars
{
    public static bool IsScalarGlobal(string module, string name) =>
        name == "scalar" && module is "numpy.core.multiarray" or "numpy._core.multiarray";

    public static bool IsDTypeGlobal(string module, string name) => module == "numpy" && name == "dtype";

    public static PickleCallable Scalar(string module) => new ScalarFunction(module);

    public static PickleCallable DType() => new DTypeClass();

    /// <summary><c>numpy.dtype(code, align, copy)</c>: records the type code; BUILD supplies the byte order.</summary>
    private sealed class DTypeClass() : PickleCallable("numpy", "dtype")
    {
        private static readonly HashSet<string> Codes = ["b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8"];

        public override object? Call(PickleTuple args)
        {
            string code = Arg<string>(args, 0, "numpy dtype code");
            return Codes.Contains(code)
                ? new NumpyDType(code)
                : throw Reject($"numpy dtype '{code}' is not supported (only bool, integer and float scalars: {string.Join(", ", Codes)})");
        }
    }

    private sealed class NumpyDType(string code) : PickleInternal, IPickleBuildable
    {
        public string Code { get; } = code;
        public int ItemSize { get; } = code[1] - '0';
        public bool BigEndian { get; private set; }

        /// <summary>State tuple (version, byteorder, subarray, names, fields, elsize, alignment, flags).</summary>
        public void Build(object? state)
        {
            if (state is not PickleTuple { Count: >= 2 } tuple || tuple[1] is not string order)
                throw new PickleRejection($"numpy dtype state is {PickleMachine.TypeName(state)}, expected (version, byteorder, ...)");
            BigEndian = order switch
            {
                ">" => true,
                "<" or "|" or "=" => false,
                _ => throw new PickleRejection($"numpy dtype byte order '{order}' is not one of <, >, |, ="),
            };
        }

        public override string Describe() => $"numpy dtype '{Code}'";
    }

    /// <summary><c>numpy.core.multiarray.scalar(dtype, bytes)</c> decoded to a .NET number.</summary>
    private sealed class ScalarFunction(string module) : PickleCallable(module, "scalar")
    {
        public override object? Call(PickleTuple args)
        {
            var dtype = Arg<NumpyDType>(args, 0, "numpy scalar dtype");
            byte[] raw = Arg<byte[]>(args, 1, "numpy scalar bytes");
            if (raw.Length != dtype.ItemSize)
                throw Reject($"numpy scalar of dtype '{dtype.Code}' has {raw.Length} bytes, expected {dtype.ItemSize}");
            byte[] le = (byte[])raw.Clone();
            if (dtype.BigEndian) Array.Reverse(le);
            return dtype.Code switch
            {
                "b1" => le[0] != 0,
                "i1" => (long)(sbyte)le[0],
                "u1" => (long)le[0],
                "i2" => (long)BinaryPrimitives.ReadInt16LittleEndian(le),
                "u2" => (long)BinaryPrimitives.ReadUInt16LittleEndian(le),
                "i4" => (long)BinaryPrimitives.ReadInt32LittleEndian(le),
                "u4" => (long)BinaryPrimitives.ReadUInt32LittleEndian(le),
                "i8" => BinaryPrimitives.ReadInt64LittleEndian(le),
                "u8" => BinaryPrimitives.ReadUInt64LittleEndian(le) is var u && u <= long.MaxValue ? (long)u : (object)new BigInteger(u),
                "f2" => (double)BinaryPrimitives.ReadHalfLittleEndian(le),
                "f4" => (double)BinaryPrimitives.ReadSingleLittleEndian(le),
                _ => BinaryPrimitives.ReadDoubleLittleEndian(le),
            };
        }
    }

    /// <summary>
    /// <c>_codecs.encode(text, 'latin1')</c>: how protocol 2 spells a <c>bytes</c> object (numpy
    /// scalar payloads among them). Each character is one byte; nothing else is encoded.
    /// </summary>
    public sealed class Latin1Bytes() : PickleCallable("_codecs", "encode")
    {
        public override object? Call(PickleTuple args)
        {
            string text = Arg<string>(args, 0, "text");
            string encoding = Arg<string>(args, 1, "encoding");
            if (args.Count != 2 || encoding is not ("latin1" or "latin-1"))
                throw Reject($"only _codecs.encode(text, 'latin1') is allowed, not encoding '{encoding}' with {args.Count} arguments");
            var bytes = new byte[text.Length];
            for (int i = 0; i < text.Length; i++)
                bytes[i] = text[i] <= 0xFF ? (byte)text[i] : throw Reject($"character U+{(int)text[i]:X4} cannot be latin-1 encoded");
            return bytes;
        }
    }
}
