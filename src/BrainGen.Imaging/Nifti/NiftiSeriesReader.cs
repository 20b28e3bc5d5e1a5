using System.Buffers;
using System.Buffers.Binary;

namespace BrainGen.Imaging;

/// <summary>
/// Reads a NIfTI-1/2 image (.nii, .nii.gz, .hdr/.img pair, either endianness) one 3D volume at a
/// time, so a long 4D series never has to fit in memory. The header is validated before any voxel
/// buffer exists, and voxel bytes are counted as they arrive (gzip included) rather than trusted.
/// </summary>
public sealed class NiftiSeriesReader : IDisposable
{
    internal const int ChunkBytes = 6 << 20; // divisible by every voxel size (1, 2, 3, 4, 8)
    private const int StagingBytes = 1 << 18; // inflate-then-decode step: small enough to stay in cache

    private readonly ImageFiles.Source _data;
    private readonly bool _ownsDataSeparately;
    private readonly ImageFiles.Source? _header;

    private NiftiSeriesReader(string path, NiftiReadOptions options)
    {
        Path = path;
        var (headerPath, dataPath, isPair) = ImageFiles.Resolve(path);
        var headerSource = new ImageFiles.Source(headerPath);
        try
        {
            Header = ReadHeader(headerSource, isPair, options);
            if (isPair)
            {
                _header = headerSource;
                _data = new ImageFiles.Source(dataPath);
                _ownsDataSeparately = true;
            }
            else _data = headerSource;
            CheckDataFits();
            _data.SkipTo(Header.VoxOffset, "vox_offset");
        }
        catch
        {
            headerSource.Dispose();
            _data?.Dispose();
            throw;
        }
    }

    public static NiftiSeriesReader Open(string path, NiftiReadOptions? options = null) => new(path, options ?? NiftiReadOptions.Default);

    public string Path { get; }
    public NiftiHeader Header { get; }

    /// <summary>(nx, ny, nz) of each volume.</summary>
    public int[] Shape => Header.SpatialShape;

    /// <summary>Number of 3D volumes (product of dim[4..7]).</summary>
    public long VolumeCount => Header.VolumeCount;

    /// <summary>Volumes read so far; the next <see cref="ReadNext"/> returns this index.</summary>
    public long Position { get; private set; }

    public Volume ReadNext()
    {
        if (Position >= VolumeCount)
            throw new InvalidOperationException($"{Path}: all {VolumeCount} volumes have been read");
        var what = VolumeCount == 1 ? "voxel data" : $"voxel data of volume {Position}";
        var voxels = _data.Holds(Header.VoxOffset + Header.DataBytes) ? ReadStreaming(what) : ReadChunked(what);
        Position++;
        return new Volume(Shape, voxels, Header.BestAffine)
        {
            SourceDataType = Header.DataType,
            XformCode = Header.SformCode > 0 ? Header.SformCode : Header.QformCode > 0 ? Header.QformCode : 1,
            Description = Header.Description,
        };
    }

    /// <summary>
    /// The file evidently holds the data: allocate the voxels at once and decode as the bytes arrive,
    /// through one small pooled buffer that stays in cache (inflate and decode in one pass, no copy).
    /// </summary>
    private float[] ReadStreaming(string what)
    {
        var type = Header.DataType;
        var bytesPerVoxel = type.BytesPerVoxel();
        var total = Header.BytesPerVolume;
        var voxels = LargeBuffers.Allocate<float>((int)Header.VoxelsPerVolume);
        var staging = ArrayPool<byte>.Shared.Rent(StagingBytes);
        try
        {
            var step = StagingBytes / bytesPerVoxel * bytesPerVoxel;
            var scaling = Header.Scaling;
            long done = 0;
            var voxel = 0;
            while (done < total)
            {
                var want = (int)Math.Min(step, total - done);
                var n = _data.ReadAtMost(staging.AsSpan(0, want));
                if (n < want)
                    throw new InvalidDataException($"{_data.Path}: {what}: expected {total} bytes, got {done + n} (file truncated?)");
                var count = want / bytesPerVoxel;
                VoxelCodec.Decode(staging.AsSpan(0, want), voxels.AsSpan(voxel, count), type, Header.IsBigEndian, scaling);
                done += want;
                voxel += count;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(staging);
        }
        return voxels;
    }

    /// <summary>
    /// The file's size does not vouch for the header (e.g. a gzip whose trailer disagrees): read the
    /// bytes in chunks allocated as they arrive, so a lying header costs no more memory than the
    /// file holds, and allocate the voxels only once all bytes are in.
    /// </summary>
    private float[] ReadChunked(string what)
    {
        var chunks = _data.ReadChunks(Header.BytesPerVolume, ChunkBytes, what);
        var voxels = LargeBuffers.Allocate<float>((int)Header.VoxelsPerVolume);
        var type = Header.DataType;
        var bytesPerVoxel = type.BytesPerVoxel();
        var voxelsPerChunk = ChunkBytes / bytesPerVoxel;
        var scaling = Header.Scaling;
        for (var c = 0; c < chunks.Length; c++)
            VoxelCodec.Decode(chunks[c], voxels.AsSpan(c * voxelsPerChunk, chunks[c].Length / bytesPerVoxel), type, Header.IsBigEndian, scaling);
        return voxels;
    }

    /// <summary>Skips forward to volume index (forward only: gzip cannot seek back cheaply).</summary>
    public void SkipTo(long index)
    {
        if (index < Position || index >= VolumeCount)
            throw new ArgumentOutOfRangeException(nameof(index), $"{Path}: volume {index} is not ahead of position {Position} within {VolumeCount} volumes");
        _data.SkipTo(Header.VoxOffset + index * Header.BytesPerVolume, $"volume {index}");
        Position = index;
    }

    public IEnumerable<Volume> ReadAll()
    {
        while (Position < VolumeCount) yield return ReadNext();
    }

    /// <summary>Reads and validates the header block and its extensions; leaves the source after them.</summary>
    internal static NiftiHeader ReadHeader(ImageFiles.Source source, bool isPair, NiftiReadOptions options)
    {
        var file = source.Path;
        var first = new byte[4];
        if (source.ReadAtMost(first) < 4) throw new InvalidDataException($"{file}: sizeof_hdr: file is shorter than 4 bytes");
        var detected = NiftiHeaderCodec.Detect(first)
            ?? throw new InvalidDataException($"{file}: sizeof_hdr: {BinaryPrimitives.ReadInt32LittleEndian(first)} is neither 348 (NIfTI-1) nor 540 (NIfTI-2), in either byte order: not a NIfTI file");
        var (version, bigEndian) = detected;
        var size = version == 2 ? 540 : 348;
        var block = new byte[size];
        first.CopyTo(block, 0);
        source.ReadExactly(block.AsSpan(4), "header");
        var header = NiftiHeaderCodec.Decode(block, version, bigEndian);
        if (version == 2 && !NiftiHeaderCodec.EolCheckOk(block))
            throw new InvalidDataException($"{file}: eol_check: bytes are not 0D 0A 1A 0A (file damaged by a text-mode transfer?)");
        NiftiHeaderValidator.Validate(header, file, isPair, options);
        ReadExtensions(source, header, isPair, options);
        return header;
    }

    private static void ReadExtensions(ImageFiles.Source source, NiftiHeader h, bool isPair, NiftiReadOptions options)
    {
        var file = source.Path;
        long limit = isPair ? source.MaxContentLength : h.VoxOffset;
        if (limit < h.HeaderSize + 4) return;
        var extender = new byte[4];
        if (source.ReadAtMost(extender) < 4 || extender[0] == 0) return;
        long total = 0;
        var index = 0;
        var header8 = new byte[8];
        while (source.Position + 8 <= limit)
        {
            if (source.ReadAtMost(header8) < 8) break; // end of a .hdr: no more extensions
            var esize = h.IsBigEndian ? BinaryPrimitives.ReadInt32BigEndian(header8) : BinaryPrimitives.ReadInt32LittleEndian(header8);
            var ecode = h.IsBigEndian ? BinaryPrimitives.ReadInt32BigEndian(header8.AsSpan(4)) : BinaryPrimitives.ReadInt32LittleEndian(header8.AsSpan(4));
            if (esize == 0 && ecode == 0 && !isPair) break; // zero padding up to vox_offset
            var end = source.Position - 8 + esize;
            if (esize < 8 || end > limit)
                throw new InvalidDataException($"{file}: extension {index}: esize {esize} runs past {(isPair ? "the end of the header file" : $"vox_offset {h.VoxOffset}")}");
            total += esize;
            if (total > options.MaxExtensionBytes)
                throw new InvalidDataException($"{file}: extension {index}: extensions total over {options.MaxExtensionBytes} bytes");
            if (esize % 16 != 0) h.Warnings.Add($"extension {index}: esize {esize} is not a multiple of 16");
            var data = new byte[esize - 8];
            source.ReadExactly(data, $"extension {index}");
            h.Extensions.Add(new NiftiExtension(ecode, data));
            index++;
        }
    }

    /// <summary>Before allocating: do the declared data bytes fit in what the file can hold?</summary>
    private void CheckDataFits()
    {
        var h = Header;
        var need = h.VoxOffset + h.DataBytes;
        var d = _data;
        if (!d.IsGzip)
        {
            if (h.VoxOffset > d.FileLength)
                throw new InvalidDataException($"{d.Path}: vox_offset: {h.VoxOffset} is past the end of the file ({d.FileLength} bytes)");
            if (need > d.FileLength)
                throw new InvalidDataException($"{d.Path}: data: header declares {h.DataBytes} bytes at offset {h.VoxOffset} but the file has {d.FileLength - h.VoxOffset} (file truncated?)");
        }
        else if (h.VoxOffset + h.BytesPerVolume > d.MaxContentLength)
        {
            throw new InvalidDataException($"{d.Path}: data: header declares {h.BytesPerVolume} bytes per volume at offset {h.VoxOffset}, more than a {d.FileLength}-byte gzip file can hold (file truncated or dims corrupt)");
        }
    }

    public void Dispose()
    {
        _data.Dispose();
        if (_ownsDataSeparately) _header?.Dispose();
    }
}
