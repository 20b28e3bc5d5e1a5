using System.Buffers.Binary;
using System.IO.Compression;

namespace BrainGen.Imaging.Tests;

/// <summary>Write-then-read for every datatype, both byte orders, both versions, pairs, gzip and 4D.</summary>
public class NiftiRoundTripTests
{
    public static TheoryData<NiftiDataType, bool, bool> Cases()
    {
        var data = new TheoryData<NiftiDataType, bool, bool>();
        NiftiDataType[] types = [NiftiDataType.UInt8, NiftiDataType.Int8, NiftiDataType.Int16, NiftiDataType.UInt16, NiftiDataType.Int32,
                                 NiftiDataType.UInt32, NiftiDataType.Int64, NiftiDataType.UInt64, NiftiDataType.Float32, NiftiDataType.Float64];
        foreach (var t in types)
            foreach (var bigEndian in new[] { false, true })
                foreach (var gzip in new[] { false, true })
                    data.Add(t, bigEndian, gzip);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Integer_valued_data_round_trips_exactly(NiftiDataType dtype, bool bigEndian, bool gzip)
    {
        var (min, max) = dtype.IsInteger() ? dtype.IntegerRange() : (-1e6, 1e6);
        var lo = Math.Max(min, -100);
        var original = TestFiles.Ramp(7, 5, 3, Affine.FromSpacing(-0.8, 1.2, 3, 50, -60, 70), i => (float)(lo + i % Math.Min(120, max - lo + 1)));
        using var dir = TestFiles.TempDir();
        var path = dir.File("rt.nii");
        Nifti.Write(path, original, dtype);
        if (bigEndian) File.WriteAllBytes(path, NiftiBytes.ToBigEndian(File.ReadAllBytes(path), dtype.BytesPerVoxel()));
        if (gzip)
        {
            File.WriteAllBytes(path + ".gz", NiftiBytes.Gzip(File.ReadAllBytes(path)));
            path += ".gz";
        }
        var h = Nifti.ReadHeader(path);
        Assert.Equal(bigEndian, h.IsBigEndian);
        Assert.Equal((1.0, 0.0), (h.SclSlope, h.SclInter));
        var back = Nifti.Read(path);
        Assert.Equal(dtype, back.SourceDataType);
        Assert.Equal(original.Shape, back.Shape);
        Assert.Equal(original.Data, back.Data);
        Assert.True(original.Affine.ApproximatelyEquals(back.Affine, 1e-5), back.Affine.ToString());
    }

    [Theory]
    [InlineData(NiftiDataType.UInt8)]
    [InlineData(NiftiDataType.Int16)]
    [InlineData(NiftiDataType.Int32)]
    public void Fractional_data_in_an_integer_type_gets_a_scaling_within_half_a_step(NiftiDataType dtype)
    {
        var original = TestFiles.Ramp(9, 8, 7, value: i => (float)Math.Sin(i * 0.37) * 123.4f + 17);
        using var dir = TestFiles.TempDir();
        var path = dir.File("scaled.nii.gz");
        Nifti.Write(path, original, dtype);
        var h = Nifti.ReadHeader(path);
        Assert.NotEqual(1.0, h.SclSlope);
        var back = Nifti.Read(path);
        var (min, max) = original.Range();
        var step = (max - min) / (dtype.IntegerRange().Max - dtype.IntegerRange().Min);
        for (var i = 0; i < original.VoxelCount; i++)
            Assert.True(Math.Abs(original.Data[i] - back.Data[i]) <= step * 0.5 + 1e-4 * Math.Abs(original.Data[i]), $"voxel {i}: {original.Data[i]} vs {back.Data[i]}");
    }

    [Fact]
    public void Written_header_has_identical_qform_and_sform_slope_one_and_offset_352()
    {
        var rotation = Affine.FromRowMajor([0, 0, -1.2, 90, 0.8, 0, 0, -100, 0, 1.1, 0, -60]);
        using var dir = TestFiles.TempDir();
        var path = dir.File("h.nii");
        Nifti.Write(path, TestFiles.Ramp(4, 5, 6, rotation));
        var h = Nifti.ReadHeader(path);
        Assert.Equal("n+1", h.Magic);
        Assert.Equal(352, h.VoxOffset);
        Assert.Equal((1.0, 0.0), (h.SclSlope, h.SclInter));
        Assert.Equal(h.QformCode, h.SformCode);
        Assert.True(h.QForm!.ApproximatelyEquals(h.SForm!, 1e-5), $"{h.QForm}\n{h.SForm}");
        Assert.True(h.SForm!.ApproximatelyEquals(rotation, 1e-5));
        Assert.Empty(h.Warnings);
    }

    [Fact]
    public void Sheared_affine_is_refused_by_the_writer()
    {
        using var dir = TestFiles.TempDir();
        var sheared = Affine.FromRowMajor([1, 0.3, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
        var e = Assert.Throws<ArgumentException>(() => Nifti.Write(dir.File("s.nii"), TestFiles.Ramp(2, 2, 2, sheared)));
        Assert.Contains("not rigid", e.Message);
    }

    [Fact]
    public void Gzip_output_is_byte_identical_for_identical_data_and_has_no_name_or_time()
    {
        using var dir = TestFiles.TempDir();
        var v = TestFiles.Ramp(64, 64, 64, value: i => i % 977);
        Nifti.Write(dir.File("a.nii.gz"), v);
        Thread.Sleep(1100); // a timestamp in the gzip header would now differ
        Nifti.Write(dir.File("b.nii.gz"), v);
        var a = File.ReadAllBytes(dir.File("a.nii.gz"));
        Assert.Equal(a, File.ReadAllBytes(dir.File("b.nii.gz")));
        Assert.Equal(0, a[3]); // FLG: no FNAME, no comment
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(a.AsSpan(4))); // MTIME
        using var gz = new GZipStream(new MemoryStream(a), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gz.CopyTo(plain);
        Assert.Equal(352 + v.VoxelCount * 4, plain.Length);
    }

    [Fact]
    public void Multi_member_gzip_is_read_completely()
    {
        var bytes = NiftiBytes.Valid(30, 20, 10);
        var split = 352 + 1000;
        byte[] twoMembers = [.. NiftiBytes.Gzip(bytes[..split]), .. NiftiBytes.Gzip(bytes[split..])];
        using var dir = TestFiles.TempDir();
        File.WriteAllBytes(dir.File("multi.nii.gz"), twoMembers);
        Assert.Equal(TestFiles.Ramp(30, 20, 10).Data, Nifti.Read(dir.File("multi.nii.gz")).Data);
    }

    [Fact]
    public void Gzip_is_detected_by_content_not_name()
    {
        using var dir = TestFiles.TempDir();
        File.WriteAllBytes(dir.File("actually-plain.nii.gz"), NiftiBytes.Valid());
        File.WriteAllBytes(dir.File("actually-gzip.nii"), NiftiBytes.Gzip(NiftiBytes.Valid()));
        Assert.Equal(24, Nifti.Read(dir.File("actually-plain.nii.gz")).VoxelCount);
        Assert.Equal(24, Nifti.Read(dir.File("actually-gzip.nii")).VoxelCount);
    }

    [Theory]
    [InlineData("pair.hdr")]
    [InlineData("pair.img")]
    public void Hdr_img_pair_round_trips(string name)
    {
        using var dir = TestFiles.TempDir();
        var v = TestFiles.Ramp(5, 4, 3);
        Nifti.Write(dir.File(name), v, NiftiDataType.Int16);
        Assert.True(File.Exists(dir.File("pair.hdr")) && File.Exists(dir.File("pair.img")));
        Assert.Equal("ni1", Nifti.ReadHeader(dir.File("pair.hdr")).Magic);
        Assert.Equal(v.Data, Nifti.Read(dir.File("pair.img")).Data);
        Assert.Equal(v.Data, Nifti.Read(dir.File("pair.hdr")).Data);
    }

    [Fact]
    public void Nifti2_round_trips_and_is_chosen_for_large_dimensions()
    {
        using var dir = TestFiles.TempDir();
        var v = TestFiles.Ramp(3, 4, 5);
        Nifti.Write(dir.File("v2.nii.gz"), v, NiftiDataType.Float64, new NiftiWriteOptions { Version = 2 });
        var h = Nifti.ReadHeader(dir.File("v2.nii.gz"));
        Assert.Equal((2, "n+2", 544L), (h.Version, h.Magic, h.VoxOffset));
        Assert.Equal(v.Data, Nifti.Read(dir.File("v2.nii.gz")).Data);
        Assert.Equal(2, Nifti.HeaderFor(TestFiles.Ramp(40000, 1, 1)).Version);
    }

    [Fact]
    public void Series_streams_one_volume_at_a_time()
    {
        using var dir = TestFiles.TempDir();
        var volumes = Enumerable.Range(0, 5).Select(t => TestFiles.Ramp(6, 5, 4, value: i => i + 1000 * t)).ToList();
        Nifti.WriteSeries(dir.File("s.nii.gz"), volumes, NiftiDataType.Int32);
        using var series = Nifti.OpenSeries(dir.File("s.nii.gz"));
        Assert.Equal(5, series.VolumeCount);
        Assert.Equal([4L, 6, 5, 4, 5], series.Header.Dim[..5]);
        Assert.Equal(volumes[0].Data, series.ReadNext().Data);
        series.SkipTo(3);
        Assert.Equal(volumes[3].Data, series.ReadNext().Data);
        Assert.Equal(volumes[4].Data, series.ReadNext().Data);
        Assert.Equal(volumes[0].Data, Nifti.Read(dir.File("s.nii.gz")).Data); // Read gives the first volume
    }

    [Fact]
    public void Atomic_write_leaves_no_temporary_files_and_replaces_existing()
    {
        using var dir = TestFiles.TempDir();
        Nifti.Write(dir.File("x.nii"), TestFiles.Ramp(2, 2, 2));
        Nifti.Write(dir.File("x.nii"), TestFiles.Ramp(3, 3, 3));
        Assert.Equal(["x.nii"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).ToArray());
        Assert.Equal(27, Nifti.Read(dir.File("x.nii")).VoxelCount);
    }

    [Fact]
    public void Crc32_matches_the_standard_check_value_and_combines()
    {
        var data = "123456789"u8.ToArray();
        Assert.Equal(0xCBF43926u, Crc32.Compute(data));
        Assert.Equal(Crc32.Compute(data), Crc32.Combine(Crc32.Compute(data[..4]), Crc32.Compute(data[4..]), 5));
    }
}
