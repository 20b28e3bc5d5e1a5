using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using BrainGen.Imaging;

namespace BrainGen.Cli.Commands;

/// <summary>`braingen info FILE`: header, geometry, transforms and intensity statistics of a NIfTI image.</summary>
internal static class InfoCommand
{
    public static Command Build()
    {
        var file = new Argument<FileInfo>("file") { Description = "NIfTI image (.nii, .nii.gz, .hdr/.img)" };
        var json = new Option<bool>("--json") { Description = "print one JSON object instead of text" };
        var command = new Command("info", "show shape, datatype, voxel size, orientation, transforms and intensity statistics") { file, json };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!.FullName;
            // info must describe files training would refuse, so sheared sforms are shown, not rejected
            var options = new NiftiReadOptions { AllowShearedSform = true };
            using var series = Nifti.OpenSeries(path, options);
            var h = series.Header;
            var v = series.ReadNext();
            var stats = Statistics.Summary(v.Data);
            var result = new Dictionary<string, object?>
            {
                ["file"] = path,
                ["nifti_version"] = h.Version,
                ["byte_order"] = h.IsBigEndian ? "big-endian" : "little-endian",
                ["shape"] = h.Shape,
                ["dtype"] = h.DataType.Name(),
                ["voxel_size_mm"] = v.Spacing,
                ["orientation"] = v.OrientationCodes,
                ["affine_source"] = h.AffineSource,
                ["affine"] = Rows(v.Affine),
                ["qform_code"] = h.QformCode,
                ["qform_name"] = NiftiHeader.XformName(h.QformCode),
                ["qform"] = h.QForm is { } q ? Rows(q) : null,
                ["sform_code"] = h.SformCode,
                ["sform_name"] = NiftiHeader.XformName(h.SformCode),
                ["sform"] = h.SForm is { } s ? Rows(s) : null,
                ["scl_slope"] = Finite(h.SclSlope),
                ["scl_inter"] = Finite(h.SclInter),
                ["spatial_units"] = h.SpatialUnits,
                ["description"] = h.Description,
                ["extensions"] = h.Extensions.Select(e => new { code = e.Code, bytes = e.Data.Length }).ToArray(),
                ["volumes"] = series.VolumeCount,
                ["statistics_of_volume_0"] = new Dictionary<string, object?>
                {
                    ["min"] = Finite(stats.Min), ["max"] = Finite(stats.Max), ["mean"] = Finite(stats.Mean), ["std"] = Finite(stats.Std),
                    ["nonzero"] = v.Data.LongCount(x => x != 0), ["non_finite"] = stats.NonFinite,
                },
                ["warnings"] = h.Warnings,
            };
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            var c = CultureInfo.InvariantCulture;
            Console.WriteLine($"file          {path}");
            Console.WriteLine($"format        NIfTI-{h.Version}, {result["byte_order"]}, {h.DataType.Name()}");
            Console.WriteLine($"shape         {string.Join(" x ", h.Shape)}{(series.VolumeCount > 1 ? $" ({series.VolumeCount} volumes)" : "")}");
            Console.WriteLine($"voxel size    {string.Join(" x ", v.Spacing.Select(x => x.ToString("0.####", c)))} mm");
            Console.WriteLine($"orientation   {v.OrientationCodes} (affine from {h.AffineSource})");
            Console.WriteLine($"qform         code {h.QformCode} ({NiftiHeader.XformName(h.QformCode)})");
            if (h.QForm is { } qf) Console.WriteLine(Indent(qf));
            Console.WriteLine($"sform         code {h.SformCode} ({NiftiHeader.XformName(h.SformCode)})");
            if (h.SForm is { } sf) Console.WriteLine(Indent(sf));
            Console.WriteLine($"scaling       slope {h.SclSlope.ToString(c)}, inter {h.SclInter.ToString(c)}{(h.Scaling is null ? " (not applied)" : "")}");
            Console.WriteLine($"intensity     min {stats.Min.ToString("G6", c)}  max {stats.Max.ToString("G6", c)}  mean {stats.Mean.ToString("G6", c)}  std {stats.Std.ToString("G6", c)}{(stats.NonFinite > 0 ? $"  non-finite {stats.NonFinite}" : "")}");
            if (h.Extensions.Count > 0) Console.WriteLine($"extensions    {string.Join(", ", h.Extensions.Select(e => $"code {e.Code} ({e.Data.Length} bytes)"))}");
            foreach (var w in h.Warnings) Console.WriteLine($"warning       {w}");
            return 0;
        });
        return command;
    }

    private static double[][] Rows(Affine a) => Enumerable.Range(0, 4).Select(r => Enumerable.Range(0, 4).Select(col => a[r, col]).ToArray()).ToArray();

    private static double? Finite(double x) => double.IsFinite(x) ? x : null;

    private static string Indent(Affine a) => string.Join('\n', a.ToString().Split('\n').Select(l => "              " + l));
}
