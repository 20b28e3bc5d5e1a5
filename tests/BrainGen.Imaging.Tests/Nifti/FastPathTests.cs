using System.Buffers.Binary;
using System.IO.Compression;

namespace BrainGen.Imaging.Tests;

/// <summary>
/// The vectorized and streaming paths of the NIfTI reader and writer give exactly what the plain
/// scalar definitions give: same stored integers, same floats, same gzip content.
/// </summary>
public class FastPathTests
{
    private static float[] Awkward(int n, int seed, float spread)
    {
        var rng = new Random(seed);
        var special = new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 254.5f, 255.5f, -128.5f, 127.5f, 32767.5f, -32768.5f, 65535.5f, 1e10f, -1e10f, 2147483520f };
        var data = new float[n];
        for (var i = 0; i < n; i++)
            data[i] = rng.Next(8) switch
            {
                0 => special[rng.Next(special.Length)],
                1 => MathF.Round((float)(rng.NextDouble() - 0.5) * spread) + 0.5f, // exact halves
                2 => MathF.Round((float)(rng.NextDouble() - 0.3) * spread),
                _ => (float)((rng.NextDouble() - 0.3) * spread),
            };
        return data;
    }

    /// <summary>Encode's definition, voxel by voxel: round((v - inter) / slope) half to even, clamped, NaN to 0.</summary>
    private static double Reference(float v, double slope, double inter, double min, double max)
    {
        if (float.IsNaN(v)) return 0;
        var r = Math.Round(slope == 1 && inter == 0 ? v : (v - inter) / slope, MidpointRounding.ToEven);
        return r < min ? min : r > max ? max : r;
    }

    public static TheoryData<NiftiDataType, double, double> EncodeCases()
    {
        var data = new TheoryData<NiftiDataType, double, double>();
        foreach (var t in new[] { NiftiDataType.UInt8, NiftiDataType.Int8, NiftiDataType.Int16, NiftiDataType.UInt16, NiftiDataType.Int32 })
        {
            data.Add(t, 1, 0);
            data.Add(t, 0.5098039507865906, 0);
            data.Add(t, 3.25, -17.5);
            data.Add(t, 1, 0.25);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EncodeCases))]
    public void Vectorized_encode_stores_what_the_scalar_definition_stores(NiftiDataType type, double slope, double inter)
    {
        var (min, max) = type.IntegerRange();
        var spread = (float)Math.Min(3 * (max - min), 1e10);
        foreach (var n in new[] { 0, 1, 7, 31, 257, 4099 })
        {
            var src = Awkward(n, n + (int)type, spread);
            var bpv = type.BytesPerVoxel();
            var dst = new byte[n * bpv];
            VoxelCodec.Encode(src, dst, type, slope, inter);
            for (var i = 0; i < n; i++)
            {
                var expected = Reference(src[i], slope, inter, min, max);
                var span = dst.AsSpan(i * bpv);
                double got = type switch
                {
                    NiftiDataType.UInt8 => span[0],
                    NiftiDataType.Int8 => (sbyte)span[0],
                    NiftiDataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(span),
                    NiftiDataType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(span),
                    _ => BinaryPrimitives.ReadInt32LittleEndian(span),
                };
                Assert.True(expected == got, $"{type} n={n} voxel {i}: {src[i]:R} -> {got}, expected {expected}");
            }
        }
    }

    [Fact]
    public void Vectorized_scan_finds_the_finite_range_and_integrality()
    {
        foreach (var n in new[] { 0, 1, 5, 33, 1000, 4096 + 3 })
        {
            var data = Awkward(n, n, 1000);
            double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
            var whole = true;
            foreach (var x in data)
            {
                if (!float.IsFinite(x)) continue;
                lo = Math.Min(lo, x);
                hi = Math.Max(hi, x);
                whole &= MathF.Round(x) == x;
            }
            Assert.Equal((lo, hi, whole), IntegerScaling.Scan(data));
            var integers = data.Select(x => float.IsFinite(x) ? MathF.Round(x) : x).ToArray();
            Assert.True(IntegerScaling.Scan(integers).Integral);
        }
        // One fractional voxel anywhere, vector body or tail, makes the data non-integral.
        for (var at = 0; at < 40; at++)
        {
            var data = new float[40];
            data[at] = 0.25f;
            Assert.False(IntegerScaling.Scan(data).Integral);
        }
    }

    [Theory]
    [InlineData(NiftiDataType.UInt8)]
    [InlineData(NiftiDataType.Int16)]
    [InlineData(NiftiDataType.UInt16)]
    public void Vectorized_decode_scaling_matches_the_double_formula(NiftiDataType type)
    {
        const int n = 1003;
        var bpv = type.BytesPerVoxel();
        var raw = new byte[n * bpv];
        new Random(7).NextBytes(raw);
        var (slope, inter) = (0.0123456789, -1234.5678);
        var got = new float[n];
        VoxelCodec.Decode(raw, got, type, bigEndian: !BitConverter.IsLittleEndian, (slope, inter));
        for (var i = 0; i < n; i++)
        {
            double stored = type switch
            {
                NiftiDataType.UInt8 => raw[i],
                NiftiDataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(raw.AsSpan(2 * i)),
                _ => BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(2 * i)),
            };
            Assert.Equal((float)(stored * slope + inter), got[i]);
        }
    }

    private static byte[] Gunzip(byte[] gz)
    {
        using var inflate = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        inflate.CopyTo(plain);
        return plain.ToArray();
    }

    [Fact]
    public void Block_gzip_is_one_valid_member_whatever_the_blocks()
    {
        var rng = new Random(3);
        int[][] layouts = [[], [0], [5], [0, 0], [1000, 0], [0, 1000], [70000, 3, 0, 200000], [1 << 20, 1 << 20, 17]];
        foreach (var layout in layouts)
        {
            var blocks = layout.Select(n =>
            {
                var b = new byte[n];
                for (var i = 0; i < n; i++) b[i] = (byte)(rng.Next(4) == 0 ? rng.Next(256) : i / 100);
                return (ReadOnlyMemory<byte>)b;
            }).ToList();
            using var ms = new MemoryStream();
            ParallelGzip.Write(ms, blocks, level: 1);
            var gz = ms.ToArray();
            Assert.Equal([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 255], gz[..10]);
            var all = blocks.SelectMany(b => b.ToArray()).ToArray();
            Assert.Equal(all, Gunzip(gz)); // zlib checks the CRC and ISIZE in the trailer
            Assert.Equal(Crc32.Compute(all), BinaryPrimitives.ReadUInt32LittleEndian(gz.AsSpan(gz.Length - 8)));
            using var again = new MemoryStream();
            ParallelGzip.Write(again, blocks, level: 1);
            Assert.Equal(gz, again.ToArray());
        }
    }

    [Fact]
    public void Multi_block_gzip_write_reads_back_and_holds_the_plain_file()
    {
        // Several write blocks (2 MiB each) in int16: the gzip must read back exactly, twice the same.
        var v = TestFiles.Ramp(256, 256, 40, value: i => (i * 7919) % 3001 - 1500);
        using var dir = TestFiles.TempDir();
        Nifti.Write(dir.File("a.nii.gz"), v, NiftiDataType.Int16);
        Nifti.Write(dir.File("b.nii.gz"), v, NiftiDataType.Int16);
        Assert.Equal(File.ReadAllBytes(dir.File("a.nii.gz")), File.ReadAllBytes(dir.File("b.nii.gz")));
        Assert.Equal(v.Data, Nifti.Read(dir.File("a.nii.gz")).Data);
        // The gzip holds exactly the bytes of the plain .nii.
        Nifti.Write(dir.File("c.nii"), v, NiftiDataType.Int16);
        Assert.Equal(File.ReadAllBytes(dir.File("c.nii")), Gunzip(File.ReadAllBytes(dir.File("a.nii.gz"))));
    }

    [Fact]
    public void Streaming_and_chunked_reads_give_the_same_scaled_voxels()
    {
        // 600 KB of int16 with a slope: larger than the streaming buffer, and scaled in double.
        var bytes = NiftiBytes.Valid(100, 100, 30);
        NiftiBytes.PutF32(bytes, 112, 0.37f);
        NiftiBytes.PutF32(bytes, 116, -12.5f);
        using var dir = TestFiles.TempDir();
        File.WriteAllBytes(dir.File("plain.nii"), bytes);
        File.WriteAllBytes(dir.File("one.nii.gz"), NiftiBytes.Gzip(bytes)); // trailer agrees: streaming
        var split = 352 + 12345;
        File.WriteAllBytes(dir.File("two.nii.gz"), [.. NiftiBytes.Gzip(bytes[..split]), .. NiftiBytes.Gzip(bytes[split..])]); // it does not: chunked
        var expected = Enumerable.Range(0, 100 * 100 * 30)
            .Select(i => (float)(BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(352 + 2 * i)) * (double)0.37f + -12.5)).ToArray();
        Assert.Equal(expected, Nifti.Read(dir.File("plain.nii")).Data);
        Assert.Equal(expected, Nifti.Read(dir.File("one.nii.gz")).Data);
        Assert.Equal(expected, Nifti.Read(dir.File("two.nii.gz")).Data);
    }

    [Fact]
    public void Gzip_trailer_vouching_for_missing_data_still_reads_as_truncated()
    {
        // The header declares 40x30x20 int16, the gzip holds half of it, and the trailer's ISIZE is
        // forged to the declared size: the voxels are allocated up front, the read still fails cleanly.
        var bytes = NiftiBytes.Valid(40, 30, 20);
        var gz = NiftiBytes.Gzip(bytes[..(bytes.Length / 2)]);
        BinaryPrimitives.WriteUInt32LittleEndian(gz.AsSpan(gz.Length - 4), (uint)bytes.Length);
        using var dir = TestFiles.TempDir();
        var path = dir.File("forged.nii.gz");
        File.WriteAllBytes(path, gz);
        var e = Assert.Throws<InvalidDataException>(() => Nifti.Read(path));
        Assert.Contains(path, e.Message);
    }
}
