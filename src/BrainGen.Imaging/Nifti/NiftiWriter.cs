using System.Buffers;

namespace BrainGen.Imaging;

/// <summary>
/// Writes volumes as NIfTI-1 (or NIfTI-2 when a dimension needs it): identical qform and sform from
/// a rigid affine, magic n+1 at vox_offset 352 (ni1 for .hdr/.img pairs), slope 1 / inter 0 for
/// float output and a computed scaling for integer output, deterministic gzip, atomic replace.
/// </summary>
internal static class NiftiWriter
{
    public static void Write(string path, IReadOnlyList<Volume> volumes, NiftiDataType dtype, NiftiWriteOptions options)
    {
        if (volumes.Count == 0) throw new ArgumentException("nothing to write: no volumes");
        if (!dtype.CanWrite()) throw new ArgumentException($"{path}: cannot write datatype {dtype.Name()}");
        var first = volumes[0];
        foreach (var v in volumes)
            if (!v.Shape.SequenceEqual(first.Shape) || !v.Affine.ApproximatelyEquals(first.Affine, 1e-6))
                throw new ArgumentException($"{path}: every volume of a series must share shape and affine");

        var (stem, ext, gz) = ImageFiles.SplitExtension(path);
        var isPair = ext.Equals(".hdr", StringComparison.OrdinalIgnoreCase) || ext.Equals(".img", StringComparison.OrdinalIgnoreCase);
        if (!isPair && !ext.Equals(".nii", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{path}: NIfTI output must end in .nii, .nii.gz, .hdr or .img");

        var (slope, inter) = dtype.IsInteger() ? IntegerScaling.Compute(volumes, dtype) : (1.0, 0.0);
        var header = BuildHeader(first, volumes.Count, dtype, slope, inter, isPair, options, path);
        // Encode with the stored (possibly float32-rounded) scaling so readers invert it exactly.
        var stored = NiftiHeaderCodec.Decode(NiftiHeaderCodec.Encode(header), header.Version, false);
        var (dataSlope, dataInter) = (stored.SclSlope, stored.SclInter);
        var bytesPerVoxel = dtype.BytesPerVoxel();
        var blocks = DataBlocks(volumes, BlockBytes / bytesPerVoxel);
        void EncodeBlock(int i, Span<byte> destination)
        {
            var (v, start, count) = blocks[i];
            VoxelCodec.Encode(v.Data.AsSpan(start, count), destination, dtype, dataSlope, dataInter);
        }

        var headerBytes = NiftiHeaderCodec.Encode(header);
        var level = options.CompressionLevel;
        var gzip = gz.Length > 0;
        if (isPair)
        {
            WriteBlocks(stem + (char.IsUpper(ext[1]) ? ".HDR" : ".hdr") + gz, gzip, level, 1, _ => headerBytes.Length, (_, dst) => headerBytes.CopyTo(dst));
            WriteBlocks(stem + (char.IsUpper(ext[1]) ? ".IMG" : ".img") + gz, gzip, level, blocks.Count, i => blocks[i].Count * bytesPerVoxel, EncodeBlock);
        }
        else
        {
            byte[] prefix = [.. headerBytes, 0, 0, 0, 0]; // 4-byte extender: no extensions
            // The header travels in the first block, so a small image is a single block.
            WriteBlocks(path, gzip, level, blocks.Count,
                i => blocks[i].Count * bytesPerVoxel + (i == 0 ? prefix.Length : 0),
                (i, dst) =>
                {
                    if (i == 0)
                    {
                        prefix.CopyTo(dst);
                        dst = dst[prefix.Length..];
                    }
                    EncodeBlock(i, dst);
                });
        }
    }

    /// <summary>
    /// Uncompressed bytes per block, the unit of parallel encoding and compression. A constant, so
    /// the gzip bytes depend on the data only (not on the machine's core count).
    /// </summary>
    internal const int BlockBytes = 2 << 20;

    private static void WriteBlocks(string path, bool gzip, int level, int count, Func<int, int> length, ParallelGzip.BlockSource fill) =>
        AtomicFile.Write(path, stream =>
        {
            if (gzip)
            {
                ParallelGzip.Write(stream, count, length, fill, level);
                return;
            }
            var buffer = ArrayPool<byte>.Shared.Rent(Enumerable.Range(0, count).Select(length).DefaultIfEmpty(1).Max());
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var span = buffer.AsSpan(0, length(i));
                    fill(i, span);
                    stream.Write(span);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });

    /// <summary>(volume, first voxel, voxel count) for each block; blocks never straddle volumes.</summary>
    private static List<(Volume V, int Start, int Count)> DataBlocks(IReadOnlyList<Volume> volumes, int voxelsPerBlock)
    {
        var blocks = new List<(Volume V, int Start, int Count)>();
        foreach (var v in volumes)
            for (var start = 0; start < v.VoxelCount; start += voxelsPerBlock)
                blocks.Add((v, start, Math.Min(voxelsPerBlock, v.VoxelCount - start)));
        return blocks;
    }

    internal static NiftiHeader BuildHeader(Volume v, int volumeCount, NiftiDataType dtype, double slope, double inter,
                                            bool isPair, NiftiWriteOptions options, string path)
    {
        var shear = v.Affine.MaxColumnCosine();
        if (shear > options.ShearTolerance)
            throw new ArgumentException($"{path}: affine is not rigid (axes |cos| = {shear:0.######} from perpendicular): qform and sform could not agree; resample onto an orthogonal grid first");
        var needsV2 = v.Shape.Any(n => n > short.MaxValue) || volumeCount > short.MaxValue;
        var version = options.Version == 0 ? (needsV2 ? 2 : 1) : options.Version;
        if (version == 1 && needsV2) throw new ArgumentException($"{path}: a dimension exceeds 32767, which only NIfTI-2 can store");

        var (b, c, d, qfac, zooms) = NiftiQuaternion.FromAffine(v.Affine);
        var (tx, ty, tz) = v.Affine.Translation;
        var code = v.XformCode is >= 1 and <= 5 ? v.XformCode : 1;
        var rows = v.Affine.ToRowMajor();
        return new NiftiHeader
        {
            Version = version,
            Magic = (isPair ? "ni" : "n+") + version,
            Dim = [volumeCount > 1 ? 4 : 3, v.Shape[0], v.Shape[1], v.Shape[2], volumeCount, 1, 1, 1],
            PixDim = [qfac, zooms[0], zooms[1], zooms[2], 1, 1, 1, 1],
            DataTypeCode = (short)dtype,
            BitPix = (short)dtype.BitsPerVoxel(),
            VoxOffset = isPair ? 0 : (version == 2 ? 544 : 352),
            SclSlope = slope,
            SclInter = inter,
            XyztUnits = 2, // mm
            QformCode = code,
            SformCode = code,
            QuaternB = b, QuaternC = c, QuaternD = d,
            QOffsetX = tx, QOffsetY = ty, QOffsetZ = tz,
            SRowX = rows[0..4], SRowY = rows[4..8], SRowZ = rows[8..12],
            Description = v.Description,
        };
    }
}
