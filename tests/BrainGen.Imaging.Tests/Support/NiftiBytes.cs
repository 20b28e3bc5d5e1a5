using System.Buffers.Binary;
using System.IO.Compression;

namespace BrainGen.Imaging.Tests;

/// <summary>Builds and edits raw NIfTI-1 bytes, for hand-crafted malformed files and byte-order tests.</summary>
internal static class NiftiBytes
{
    /// <summary>A valid little-endian .nii (header + extender + int16 data) for the given volume.</summary>
    public static byte[] Valid(int nx = 4, int ny = 3, int nz = 2, NiftiDataType dtype = NiftiDataType.Int16)
    {
        using var dir = TestFiles.TempDir();
        var path = dir.File("v.nii");
        Nifti.Write(path, TestFiles.Ramp(nx, ny, nz), dtype);
        return File.ReadAllBytes(path);
    }

    public static void PutI16(byte[] b, int offset, short v) => BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(offset), v);
    public static void PutI32(byte[] b, int offset, int v) => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(offset), v);
    public static void PutF32(byte[] b, int offset, float v) => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(offset), v);

    public static byte[] Gzip(byte[] content)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(content);
        return ms.ToArray();
    }

    /// <summary>
    /// Converts a little-endian NIfTI-1 .nii written by BrainGen into big-endian: every header field
    /// and every voxel is byte-swapped according to the layout.
    /// </summary>
    public static byte[] ToBigEndian(byte[] le, int bytesPerVoxel)
    {
        var be = (byte[])le.Clone();
        void Swap(int offset, int size) => be.AsSpan(offset, size).Reverse();
        Swap(0, 4);
        Swap(32, 4); // extents
        Swap(36, 2); // session_error
        for (var i = 0; i < 8; i++) Swap(40 + 2 * i, 2);
        for (var i = 0; i < 3; i++) Swap(56 + 4 * i, 4);
        Swap(68, 2); Swap(70, 2); Swap(72, 2); Swap(74, 2);
        for (var i = 0; i < 8; i++) Swap(76 + 4 * i, 4);
        Swap(108, 4); Swap(112, 4); Swap(116, 4); Swap(120, 2);
        for (var off = 124; off < 148; off += 4) Swap(off, 4);
        Swap(252, 2); Swap(254, 2);
        for (var off = 256; off < 328; off += 4) Swap(off, 4);
        var voxOffset = (int)BinaryPrimitives.ReadSingleLittleEndian(le.AsSpan(108));
        if (bytesPerVoxel > 1)
            for (var off = voxOffset; off + bytesPerVoxel <= be.Length; off += bytesPerVoxel) Swap(off, bytesPerVoxel);
        return be;
    }
}
