using System.Text.Json;
using BrainGen.Imaging;

namespace BrainGen.Cli.Tests;

/// <summary>`braingen info`, `convert` and `preview`, run in-process through the real command tree.</summary>
public class ImagingCommandsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "braingen-cli-tests", Guid.NewGuid().ToString("N"));
    private const string Colin = "/usr/share/mricron/templates/ch2.nii.gz";

    public ImagingCommandsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void Info_json_reports_geometry_transforms_and_statistics()
    {
        var (code, output, _) = Run("info", Colin, "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var r = doc.RootElement;
        Assert.Equal([181, 217, 181], r.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("uint8", r.GetProperty("dtype").GetString());
        Assert.Equal("RAS", r.GetProperty("orientation").GetString());
        Assert.Equal(4, r.GetProperty("sform_code").GetInt32());
        Assert.Equal(-90, r.GetProperty("sform")[0][3].GetDouble());
        Assert.Equal(254, r.GetProperty("statistics_of_volume_0").GetProperty("max").GetDouble());
    }

    [Fact]
    public void Info_text_names_both_transforms()
    {
        var (code, output, _) = Run("info", Colin);
        Assert.Equal(0, code);
        Assert.Contains("qform         code 0", output);
        Assert.Contains("sform         code 4 (mni)", output);
    }

    [Fact]
    public void Bad_file_gives_one_line_and_exit_code_1()
    {
        var bad = Path.Combine(_dir, "bad.nii");
        File.WriteAllBytes(bad, new byte[400]);
        var (code, _, err) = Run("info", bad);
        Assert.Equal(1, code);
        Assert.StartsWith($"braingen: error: {bad}: sizeof_hdr", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Convert_reorients_resamples_crops_normalizes_and_changes_dtype()
    {
        var output = Path.Combine(_dir, "out.nii.gz");
        var (code, _, err) = Run("convert", Colin, output, "--reorient", "LPS", "--spacing", "2", "--shape", "90", "100", "80", "--normalize", "minmax", "--dtype", "int16");
        Assert.True(code == 0, err);
        var v = Nifti.Read(output);
        Assert.Equal([90, 100, 80], v.Shape);
        Assert.Equal("LPS", v.OrientationCodes);
        Assert.Equal(NiftiDataType.Int16, v.SourceDataType);
        Assert.All(v.Spacing, s => AssertClose.Equal(2, s, rel: 1e-6));
        var (min, max) = v.Range();
        Assert.True(min >= -1e-4 && max <= 1 + 1e-4 && max > 0.9, $"min-max normalized range, got {min}..{max}");
    }

    [Fact]
    public void Convert_rejects_an_unknown_normalization()
    {
        var (code, _, err) = Run("convert", Colin, Path.Combine(_dir, "x.nii"), "--normalize", "magic");
        Assert.Equal(1, code);
        Assert.Contains("--normalize 'magic'", err);
    }

    [Fact]
    public void Preview_writes_a_png_for_one_file_and_a_montage_for_several()
    {
        var one = Path.Combine(_dir, "one.png");
        Assert.Equal(0, Run("preview", Colin, "-o", one, "--point", "0", "-17", "19").Code);
        var many = Path.Combine(_dir, "many.png");
        Assert.Equal(0, Run("preview", Colin, Colin, Colin, "-o", many, "--radiological", "--columns", "3").Code);
        foreach (var png in new[] { one, many })
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(png)[..4]);
        Assert.True(new FileInfo(many).Length > new FileInfo(one).Length);
    }
}
