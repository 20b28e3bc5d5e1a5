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
        var data = Encode(volumes, dtype, stored.SclSlope, stored.SclInter);

        var headerBytes = NiftiHeaderCodec.Encode(header);
        var prefix = isPair ? headerBytes : [.. headerBytes, 0, 0, 0, 0]; // 4-byte extender: no extensions
        var level = options.CompressionLevel;
        if (isPair)
        {
            WriteBlocks(stem + (char.IsUpper(ext[1]) ? ".HDR" : ".hdr") + gz, [prefix], gz.Length > 0, level);
            WriteBlocks(stem + (char.IsUpper(ext[1]) ? ".IMG" : ".img") + gz, data, gz.Length > 0, level);
        }
        else WriteBlocks(path, [prefix, .. data], gz.Length > 0, level);
    }

    private static void WriteBlocks(string path, IReadOnlyList<byte[]> blocks, bool gzip, int level) =>
        AtomicFile.Write(path, stream =>
        {
            if (gzip) ParallelGzip.Write(stream, blocks.Select(b => (ReadOnlyMemory<byte>)b).ToList(), level);
            else foreach (var b in blocks) stream.Write(b);
        });

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

    private static byte[][] Encode(IReadOnlyList<Volume> volumes, NiftiDataType dtype, double slope, double inter)
    {
        var bytesPerVoxel = dtype.BytesPerVoxel();
        var voxelsPerChunk = NiftiSeriesReader.ChunkBytes / bytesPerVoxel;
        var jobs = new List<(Volume V, int Start, int Count)>();
        foreach (var v in volumes)
            for (var start = 0; start < v.VoxelCount; start += voxelsPerChunk)
                jobs.Add((v, start, Math.Min(voxelsPerChunk, v.VoxelCount - start)));
        var chunks = new byte[jobs.Count][];
        Parallel.For(0, jobs.Count, i =>
        {
            var (v, start, count) = jobs[i];
            var bytes = GC.AllocateUninitializedArray<byte>(count * bytesPerVoxel);
            VoxelCodec.Encode(v.Data.AsSpan(start, count), bytes, dtype, slope, inter);
            chunks[i] = bytes;
        });
        return chunks;
    }
}
