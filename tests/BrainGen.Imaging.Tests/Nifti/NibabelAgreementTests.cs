using System.Text.Json;

namespace BrainGen.Imaging.Tests;

/// <summary>
/// Agreement with nibabel on real files: every NIfTI in Debian's mricron-data and in nibabel's own
/// test data. Expected values come from Fixtures/make_fixtures.py (nibabel 5), committed as JSON.
/// </summary>
public class NibabelAgreementTests
{
    public static TheoryData<string> MricronFiles() => Names("mricron");
    public static TheoryData<string> NibabelFiles() => Names("nibabel");
    public static TheoryData<string> GeneratedFiles() => Names("generated");

    private static TheoryData<string> Names(string group)
    {
        var data = new TheoryData<string>();
        foreach (var e in TestFiles.Reference.GetProperty(group).EnumerateArray()) data.Add(e.GetProperty("file").GetString()!);
        return data;
    }

    private static JsonElement Entry(string group, string file) =>
        TestFiles.Reference.GetProperty(group).EnumerateArray().Single(e => e.GetProperty("file").GetString() == file);

    [Theory]
    [MemberData(nameof(MricronFiles))]
    public void Mricron_template_matches_nibabel(string file)
    {
        var path = Path.Combine(TestFiles.Mricron, file);
        Assert.True(File.Exists(path), $"{path} is missing: install Debian's mricron-data (scripts/setup.sh does)");
        CheckAgainstNibabel(path, Entry("mricron", file));
    }

    [Theory]
    [MemberData(nameof(NibabelFiles))]
    public void Nibabel_test_file_matches_nibabel(string file)
    {
        var path = TestFiles.Fixture("nibabel", file);
        var expected = Entry("nibabel", file);
        if (expected.TryGetProperty("error", out var error))
        {
            var e = Assert.Throws<InvalidDataException>(() => Nifti.ReadHeader(path));
            Assert.Contains(file, e.Message);
            Assert.Contains("magic", e.Message); // nibabel: "{error}"; we name the field
            _ = error;
            return;
        }
        if (file.EndsWith(".hdr"))
        {
            // nibabel ships these headers without their .img: compare the header's geometry only.
            var h = Nifti.ReadHeader(path);
            Assert.Equal(TestFiles.Ints(expected.GetProperty("shape")), h.Shape.Select(s => (int)s).ToArray());
            Assert.Equal(expected.GetProperty("version").GetInt32(), h.Version);
            AssertAffine(expected.GetProperty("affine"), h.BestAffine);
            Assert.Equal(expected.GetProperty("axcodes").GetString(), Orientation.AxisCodes(h.BestAffine));
            return;
        }
        CheckAgainstNibabel(path, expected);
    }

    [Theory]
    [MemberData(nameof(GeneratedFiles))]
    public void Every_datatype_and_byte_order_reads_as_nibabel_scales_it(string file)
    {
        var expected = Entry("generated", file);
        var v = Nifti.Read(TestFiles.Fixture("generated", file));
        AssertAffine(expected.GetProperty("affine"), v.Affine);
        if (expected.TryGetProperty("rgb", out var rgb))
        {
            Assert.Equal(NiftiDataType.Rgb24, v.SourceDataType);
            var k = 0;
            foreach (var px in rgb.EnumerateArray())
            {
                var c = TestFiles.Ints(px);
                Assert.Equal((float)(0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]), v.Data[k++]);
            }
            return;
        }
        Assert.Equal(expected.GetProperty("big_endian").GetBoolean(), Nifti.ReadHeader(TestFiles.Fixture("generated", file)).IsBigEndian);
        Assert.Equal(expected.GetProperty("dtype").GetString(), v.SourceDataType.Name());
        var values = TestFiles.Doubles(expected.GetProperty("values"));
        Assert.Equal(values.Length, v.VoxelCount);
        for (var i = 0; i < values.Length; i++) Assert.Equal((float)values[i], v.Data[i]);
    }

    private static void CheckAgainstNibabel(string path, JsonElement expected)
    {
        var shape = TestFiles.Ints(expected.GetProperty("shape"));
        using var series = Nifti.OpenSeries(path);
        var header = series.Header;
        Assert.Equal(shape, header.Shape.Select(s => (int)s).ToArray());
        Assert.Equal(expected.GetProperty("version").GetInt32(), header.Version);
        Assert.Equal(expected.GetProperty("big_endian").GetBoolean(), header.IsBigEndian);
        Assert.Equal(expected.GetProperty("qform_code").GetInt32(), header.QformCode);
        Assert.Equal(expected.GetProperty("sform_code").GetInt32(), header.SformCode);
        if (header.QformCode > 0) AssertAffine(expected.GetProperty("qform"), header.QForm!);
        if (header.SformCode > 0) AssertAffine(expected.GetProperty("sform"), header.SForm!);

        var v = series.ReadNext();
        Assert.Equal(expected.GetProperty("dtype").GetString(), v.SourceDataType.Name());
        AssertAffine(expected.GetProperty("affine"), v.Affine);
        Assert.Equal(expected.GetProperty("axcodes").GetString(), v.OrientationCodes);
        var zooms = TestFiles.Doubles(expected.GetProperty("zooms"));
        if (header.SformCode == 0) // nibabel's zooms are pixdim; ours come from the affine in use
            for (var a = 0; a < 3; a++) AssertClose.Equal(zooms[a], v.Spacing[a], rel: 1e-6);
        Assert.Equal(expected.GetProperty("sha256_first_volume").GetString(), TestFiles.Sha256(v.Data));
        AssertClose.Equal(expected.GetProperty("sum_first_volume").GetDouble(), v.Data.Where(x => !float.IsNaN(x)).Sum(x => (double)x), rel: 1e-9);

        var canonical = v.ToCanonical();
        Assert.Equal(TestFiles.Ints(expected.GetProperty("canonical_shape")), canonical.Shape);
        AssertAffine(expected.GetProperty("canonical_affine"), canonical.Affine);
        Assert.Equal(expected.GetProperty("canonical_sha256_first_volume").GetString(), TestFiles.Sha256(canonical.Data));

        var volumes = 1L;
        for (var i = 3; i < shape.Length; i++) volumes *= shape[i];
        Assert.Equal(volumes, series.VolumeCount);
        if (volumes > 1)
        {
            var rest = series.ReadAll().ToList(); // streaming: the remaining volumes, one at a time
            Assert.Equal(volumes - 1, rest.Count);
            Assert.Throws<InvalidOperationException>(() => series.ReadNext());
        }
    }

    private static void AssertAffine(JsonElement expected, Affine actual)
    {
        var e = TestFiles.Doubles(expected);
        var a = actual.ToRowMajor();
        for (var i = 0; i < 16; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= 1e-4 * Math.Max(1, Math.Abs(e[i])), $"affine[{i / 4},{i % 4}]: nibabel {e[i]}, BrainGen {a[i]}\n{actual}");
    }
}
