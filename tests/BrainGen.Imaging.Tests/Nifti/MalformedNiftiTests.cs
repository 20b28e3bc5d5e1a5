using System.Buffers.Binary;

namespace BrainGen.Imaging.Tests;

/// <summary>
/// The malformed-file corpus: each broken file is rejected before any large allocation, with an
/// <see cref="InvalidDataException"/> naming the file and the offending field.
/// </summary>
public class MalformedNiftiTests
{
    private static InvalidDataException Rejected(byte[] bytes, string field, string name = "bad.nii")
    {
        using var dir = TestFiles.TempDir();
        var path = dir.File(name);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => Nifti.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(field, e.Message);
        return e;
    }

    private static byte[] With(Action<byte[]> edit, int nx = 4, int ny = 3, int nz = 2)
    {
        var b = NiftiBytes.Valid(nx, ny, nz);
        edit(b);
        return b;
    }

    [Fact]
    public void Truncated_data_is_rejected() =>
        Rejected(NiftiBytes.Valid()[..^5], "truncated");

    [Fact]
    public void Truncated_gzip_data_is_rejected()
    {
        var gz = NiftiBytes.Gzip(NiftiBytes.Valid(40, 30, 20));
        Rejected(gz[..(gz.Length / 2)], "bad.nii.gz", "bad.nii.gz");
    }

    [Fact]
    public void Huge_dims_are_rejected_without_allocating()
    {
        var e = Rejected(With(b => { NiftiBytes.PutI16(b, 42, 32767); NiftiBytes.PutI16(b, 44, 32767); NiftiBytes.PutI16(b, 46, 32767); }), "dim");
        Assert.Contains("voxels", e.Message);
    }

    [Fact]
    public void Large_but_representable_dims_are_checked_against_the_file_size() =>
        Rejected(With(b => { NiftiBytes.PutI16(b, 42, 1000); NiftiBytes.PutI16(b, 44, 1000); NiftiBytes.PutI16(b, 46, 500); }), "declares");

    [Theory]
    [InlineData(1, -4)]
    [InlineData(2, 0)]
    [InlineData(3, -32768)]
    public void Non_positive_dims_are_rejected(int axis, short value) =>
        Rejected(With(b => NiftiBytes.PutI16(b, 40 + 2 * axis, value)), $"dim[{axis}]");

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(-1)]
    public void Dim0_outside_1_to_7_is_rejected(short dim0) =>
        Rejected(With(b => NiftiBytes.PutI16(b, 40, dim0)), "dim[0]");

    [Fact]
    public void Dims_product_overflowing_64_bits_is_rejected()
    {
        // NIfTI-2 has int64 dims: 2^31 x 2^31 x 2^31 overflows a 64-bit byte count.
        using var dir = TestFiles.TempDir();
        var path = dir.File("v2.nii");
        Nifti.Write(path, TestFiles.Ramp(2, 2, 2), NiftiDataType.Float32, new NiftiWriteOptions { Version = 2 });
        var b = File.ReadAllBytes(path);
        for (var i = 1; i <= 3; i++) BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(16 + 8 * i), 1L << 31);
        var e = Rejected(b, "dim");
        Assert.Contains("overflow", e.Message);
    }

    [Fact]
    public void Vox_offset_past_the_end_is_rejected() =>
        Rejected(With(b => NiftiBytes.PutF32(b, 108, 1 << 20)), "vox_offset");

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(-352f)]
    [InlineData(352.5f)]
    public void Vox_offset_that_is_not_a_byte_offset_is_rejected(float value) =>
        Rejected(With(b => NiftiBytes.PutF32(b, 108, value)), "vox_offset");

    [Fact]
    public void Nan_slope_means_no_scaling_as_in_nibabel()
    {
        using var dir = TestFiles.TempDir();
        var path = dir.File("nan-slope.nii");
        File.WriteAllBytes(path, With(b => { NiftiBytes.PutF32(b, 112, float.NaN); NiftiBytes.PutF32(b, 116, 7); }));
        var v = Nifti.Read(path);
        Assert.Equal(TestFiles.Ramp(4, 3, 2).Data, v.Data);
        Assert.Contains(Nifti.ReadHeader(path).Warnings, w => w.Contains("scl_slope"));
    }

    [Fact]
    public void Valid_slope_with_nan_intercept_is_rejected() =>
        Rejected(With(b => { NiftiBytes.PutF32(b, 112, 2); NiftiBytes.PutF32(b, 116, float.NaN); }), "scl_inter");

    [Theory]
    [InlineData("xyz")]
    [InlineData("ni1")]
    [InlineData("n+2")]
    public void Bad_magic_is_rejected(string magic) =>
        Rejected(With(b => { b.AsSpan(344, 4).Clear(); System.Text.Encoding.ASCII.GetBytes(magic).CopyTo(b, 344); }), "magic");

    [Fact]
    public void Analyze_header_is_named_as_such() =>
        Assert.Contains("ANALYZE", Rejected(With(b => b.AsSpan(344, 4).Clear()), "magic").Message);

    [Fact]
    public void Wrong_sizeof_hdr_is_not_nifti() =>
        Rejected(With(b => NiftiBytes.PutI32(b, 0, 123)), "sizeof_hdr");

    [Fact]
    public void Empty_and_tiny_files_are_rejected()
    {
        Rejected([], "sizeof_hdr");
        Rejected(NiftiBytes.Valid()[..200], "header");
    }

    [Fact]
    public void Gzip_bomb_is_read_only_as_far_as_the_header_declares()
    {
        // 4x3x2 int16 voxels followed by 256 MiB of zeros: the reader must stop after 48 bytes.
        using var dir = TestFiles.TempDir();
        var path = dir.File("bomb.nii.gz");
        using (var fs = File.Create(path))
        using (var gz = new System.IO.Compression.GZipStream(fs, System.IO.Compression.CompressionLevel.Fastest))
        {
            gz.Write(NiftiBytes.Valid());
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 256; i++) gz.Write(zeros);
        }
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var v = Nifti.Read(path);
        Assert.Equal(24, v.VoxelCount);
        Assert.True(sw.ElapsedMilliseconds < 2000, $"reading a bomb took {sw.ElapsedMilliseconds} ms: it decompressed past the declared size");
    }

    [Fact]
    public void Tiny_gzip_declaring_gigabytes_is_rejected_before_decompressing()
    {
        var header = With(b => { NiftiBytes.PutI16(b, 42, 2000); NiftiBytes.PutI16(b, 44, 2000); NiftiBytes.PutI16(b, 46, 200); });
        var e = Rejected(NiftiBytes.Gzip(header), "data", "huge.nii.gz");
        Assert.Contains("gzip", e.Message);
    }

    [Fact]
    public void Non_orthogonal_sform_is_rejected()
    {
        var e = Rejected(With(b => NiftiBytes.PutF32(b, 284, 0.5f)), "srow"); // srow_x[1]: shear x by y
        Assert.Contains("not orthogonal", e.Message);
    }

    [Fact]
    public void Non_orthogonal_sform_can_be_allowed_explicitly()
    {
        using var dir = TestFiles.TempDir();
        var path = dir.File("shear.nii");
        File.WriteAllBytes(path, With(b => NiftiBytes.PutF32(b, 284, 0.5f)));
        var v = Nifti.Read(path, new NiftiReadOptions { AllowShearedSform = true });
        AssertClose.Equal(0.5, v.Affine[0, 1], abs: 1e-12);
    }

    [Fact]
    public void Singular_sform_is_rejected() =>
        Rejected(With(b => { for (var i = 0; i < 4; i++) NiftiBytes.PutF32(b, 280 + 4 * i, 0); }), "singular");

    [Fact]
    public void Quaternion_longer_than_one_is_rejected() =>
        Rejected(With(b => { NiftiBytes.PutI16(b, 254, 0); NiftiBytes.PutF32(b, 256, 0.9f); NiftiBytes.PutF32(b, 260, 0.9f); }), "quatern");

    [Theory]
    [InlineData((short)3, "datatype")]     // not a code
    [InlineData((short)32, "complex64")]   // a code, not real-valued
    [InlineData((short)1536, "float128")]
    public void Unknown_or_unsupported_datatypes_are_rejected(short code, string text) =>
        Rejected(With(b => NiftiBytes.PutI16(b, 70, code)), text);

    [Fact]
    public void Bitpix_not_matching_datatype_is_rejected() =>
        Rejected(With(b => NiftiBytes.PutI16(b, 72, 8)), "bitpix");

    [Fact]
    public void Extension_running_past_vox_offset_is_rejected()
    {
        var b = NiftiBytes.Valid();
        var withExt = new byte[b.Length + 16];
        b.AsSpan(0, 348).CopyTo(withExt);
        withExt[348] = 1; // extender: extensions follow
        NiftiBytes.PutI32(withExt, 352, 4096); // esize far past vox_offset
        NiftiBytes.PutI32(withExt, 356, 6);
        NiftiBytes.PutF32(withExt, 108, 368);
        b.AsSpan(352).CopyTo(withExt.AsSpan(368));
        Rejected(withExt, "extension 0");
    }

    [Fact]
    public void Corrupt_gzip_stream_is_reported_with_the_file_name()
    {
        var gz = NiftiBytes.Gzip(NiftiBytes.Valid(20, 20, 20));
        for (var i = 20; i < gz.Length - 8; i += 7) gz[i] ^= 0x5A;
        using var dir = TestFiles.TempDir();
        var path = dir.File("corrupt.nii.gz");
        File.WriteAllBytes(path, gz);
        var e = Assert.ThrowsAny<Exception>(() => Nifti.Read(path));
        Assert.True(e is InvalidDataException, $"expected InvalidDataException, got {e.GetType().Name}: {e.Message}");
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Random_header_corruption_never_escapes_as_anything_but_invalid_data()
    {
        // A cheap fuzz pass: flip bytes of a valid header; the reader may accept or reject, never crash.
        var valid = NiftiBytes.Valid(6, 5, 4);
        var rng = new Random(20240501);
        using var dir = TestFiles.TempDir();
        var path = dir.File("fuzz.nii");
        for (var trial = 0; trial < 400; trial++)
        {
            var b = (byte[])valid.Clone();
            for (var k = 0; k < 1 + rng.Next(4); k++) b[rng.Next(352)] = (byte)rng.Next(256);
            File.WriteAllBytes(path, b);
            try
            {
                var v = Nifti.Read(path);
                Assert.Equal(v.VoxelCount, v.Data.Length);
            }
            catch (InvalidDataException e)
            {
                Assert.Contains(path, e.Message);
            }
        }
    }
}
