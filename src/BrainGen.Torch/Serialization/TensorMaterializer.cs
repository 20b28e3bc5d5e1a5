using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace BrainGen.Torch.Serialization;

/// <summary>
/// Streams storage records out of the archive into the tensors the pickle described, each
/// record read once and in one pass. A tensor that alone covers a contiguous run of its storage
/// (the usual state_dict case) is read straight into its <see cref="HostTensor"/> buffer, the
/// one copy; views sharing a storage, or with non-contiguous strides (transposes, slices,
/// expands), are gathered from a buffer of the part of the storage they use.
/// </summary>
internal static class TensorMaterializer
{
    public static void Fill(PthArchive archive, IReadOnlyList<PendingTensor> pending, bool bigEndian)
    {
        // GroupBy keeps first-appearance order, so records are visited roughly in file order.
        foreach (var group in pending.Where(p => p.Target.Data.Length > 0).GroupBy(p => p.Storage.Key))
        {
            var views = group.ToList();
            var storage = views[0].Storage;
            int size = storage.DType.ElementSize();
            using var stream = archive.OpenEntry(storage.Entry);
            if (views.Count == 1 && IsContiguous(views[0].Shape, views[0].Stride))
            {
                var t = views[0];
                archive.Skip(stream, t.Offset * size, storage.Entry);
                archive.Fill(stream, t.Target.Data, storage.Entry);
                if (bigEndian) ToLittleEndian(t.Target.Data, size);
                continue;
            }
            long first = views.Min(v => v.Offset);
            long end = views.Max(v => LastElement(v) + 1);
            long bytes = (end - first) * size;
            if (bytes > Array.MaxLength)
                throw new InvalidDataException($"{archive.File}: views of storage '{storage.Key}' span {bytes} bytes, more than can be buffered to gather them ({Array.MaxLength})");
            var buffer = new byte[bytes];
            archive.Skip(stream, first * size, storage.Entry);
            archive.Fill(stream, buffer, storage.Entry);
            if (bigEndian) ToLittleEndian(buffer, size);
            foreach (var v in views)
                Gather(buffer, v.Offset - first, v.Shape, v.Stride, size, v.Target.Data);
        }
    }

    /// <summary>C-contiguous: strides are the suffix products of the shape (dims of size 1 may have any stride).</summary>
    public static bool IsContiguous(long[] shape, long[] stride)
    {
        long expected = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] != 1 && stride[d] != expected) return false;
            expected *= shape[d];
        }
        return true;
    }

    private static long LastElement(PendingTensor v)
    {
        long last = v.Offset;
        for (int d = 0; d < v.Shape.Length; d++) last += (v.Shape[d] - 1) * v.Stride[d];
        return last;
    }

    /// <summary>Copies the strided view at element <paramref name="offset"/> of <paramref name="source"/> into C order.</summary>
    public static void Gather(byte[] source, long offset, long[] shape, long[] stride, int elementSize, byte[] destination)
    {
        switch (elementSize)
        {
            case 1: Gather<byte>(source, offset, shape, stride, destination); break;
            case 2: Gather<ushort>(source, offset, shape, stride, destination); break;
            case 4: Gather<uint>(source, offset, shape, stride, destination); break;
            case 8: Gather<ulong>(source, offset, shape, stride, destination); break;
            default: throw new ArgumentOutOfRangeException(nameof(elementSize), elementSize, "element size must be 1, 2, 4 or 8");
        }
    }

    private static void Gather<T>(byte[] sourceBytes, long offset, long[] shape, long[] stride, byte[] destinationBytes)
        where T : unmanaged
    {
        ReadOnlySpan<T> source = MemoryMarshal.Cast<byte, T>(sourceBytes.AsSpan());
        Span<T> destination = MemoryMarshal.Cast<byte, T>(destinationBytes.AsSpan());
        int rank = shape.Length;
        if (rank == 0)
        {
            destination[0] = source[(int)offset];
            return;
        }
        // Walk the outer dimensions like an odometer; copy the innermost one as a row.
        int inner = (int)shape[rank - 1];
        long innerStride = stride[rank - 1];
        var index = new long[rank - 1];
        long position = offset;
        int written = 0;
        while (written < destination.Length)
        {
            if (innerStride == 1)
            {
                source.Slice((int)position, inner).CopyTo(destination.Slice(written, inner));
            }
            else
            {
                for (int j = 0; j < inner; j++)
                    destination[written + j] = source[(int)(position + j * innerStride)];
            }
            written += inner;
            for (int d = rank - 2; d >= 0; d--)
            {
                position += stride[d];
                if (++index[d] < shape[d]) break;
                position -= shape[d] * stride[d];
                index[d] = 0;
            }
        }
    }

    /// <summary>Byte-swaps every element in place (storages written on a big-endian machine).</summary>
    public static void ToLittleEndian(Span<byte> data, int elementSize)
    {
        switch (elementSize)
        {
            case 1: break;
            case 2: BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ushort>(data), MemoryMarshal.Cast<byte, ushort>(data)); break;
            case 4: BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, uint>(data), MemoryMarshal.Cast<byte, uint>(data)); break;
            case 8: BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ulong>(data), MemoryMarshal.Cast<byte, ulong>(data)); break;
            default: throw new ArgumentOutOfRangeException(nameof(elementSize), elementSize, "element size must be 1, 2, 4 or 8");
        }
    }
}
