using System.CommandLine;
using BrainGen.Imaging;

namespace BrainGen.Cli.Commands;

/// <summary>
/// `braingen convert IN OUT`: the preprocessing chain in the order training expects it:
/// reorient, resample, crop/pad, normalize, then write in the requested datatype.
/// </summary>
internal static class ConvertCommand
{
    public static Command Build()
    {
        var input = new Argument<FileInfo>("input") { Description = "NIfTI image to read" };
        var output = new Argument<FileInfo>("output") { Description = "NIfTI image to write (.nii, .nii.gz, .hdr) (a new path or a regular file: a device, FIFO, folder or symbolic link there is refused)" };
        var reorient = new Option<string?>("--reorient") { Description = "axis codes to reorient to by flips/permutes, e.g. RAS (canonical) or LPS" };
        var spacing = new Option<double[]>("--spacing") { Description = "resample to this voxel size in mm (1 or 3 numbers)", AllowMultipleArgumentsPerToken = true };
        var labels = new Option<bool>("--labels") { Description = "the image is a label map: resample with nearest neighbour" };
        var shape = new Option<int[]>("--shape") { Description = "crop or pad (centred) to this shape: nx ny nz", AllowMultipleArgumentsPerToken = true };
        var mask = new Option<FileInfo?>("--mask") { Description = "mask on the output grid: crop/pad around its bounding box, z-score inside it" };
        var normalize = new Option<string?>("--normalize") { Description = "minmax | percentile | zscore (zscore needs --mask)" };
        var dtype = new Option<string?>("--dtype") { Description = "output datatype (uint8, int16, float32, ...); default: float32" };
        var command = new Command("convert", "reorient, resample, crop/pad, normalize and change datatype") { input, output, reorient, spacing, labels, shape, mask, normalize, dtype };
        command.SetAction(parse =>
        {
            var v = Nifti.Read(parse.GetValue(input)!.FullName);
            if (parse.GetValue(reorient) is { } codes) v = v.Reorient(codes);
            var interpolation = parse.GetValue(labels) ? Interpolation.Nearest : Interpolation.Trilinear;
            if (parse.GetValue(spacing) is { Length: > 0 } s)
            {
                if (s.Length is not (1 or 3)) throw new ArgumentException("--spacing takes 1 or 3 numbers (mm)");
                try { v = v.ResampleToSpacing(s.Length == 1 ? [s[0], s[0], s[0]] : s, interpolation); }
                catch (ArgumentException e) { throw new ArgumentException($"--spacing: {e.Message}", e); }
            }
            Volume? maskVolume = null;
            if (parse.GetValue(mask) is { } m)
            {
                maskVolume = Nifti.Read(m.FullName);
                if (!maskVolume.Shape.SequenceEqual(v.Shape))
                    maskVolume = maskVolume.ResampleToGrid(v.Shape, v.Affine, Interpolation.Nearest);
            }
            if (parse.GetValue(shape) is { Length: > 0 } target)
            {
                if (target.Length != 3) throw new ArgumentException("--shape takes 3 integers: nx ny nz");
                if (target.Any(n => n < 1)) throw new ArgumentException($"--shape {string.Join(" ", target)}: sizes must be positive");
                GridSize.Elements($"--shape {string.Join(" ", target)}", target[0], target[1], target[2]);
                var cropped = maskVolume is null ? v.CropOrPad(target) : CropPad.AroundMask(v, maskVolume, target);
                if (maskVolume is not null) maskVolume = maskVolume.ResampleToGrid(cropped.Shape, cropped.Affine, Interpolation.Nearest);
                v = cropped;
            }
            v = parse.GetValue(normalize)?.ToLowerInvariant() switch
            {
                null => v,
                "minmax" => IntensityNormalization.MinMax(v),
                "percentile" => IntensityNormalization.PercentileClip(v, 0.5, 99.5, maskVolume),
                "zscore" => IntensityNormalization.ZScore(v, maskVolume ?? throw new ArgumentException("--normalize zscore needs --mask")),
                var other => throw new ArgumentException($"--normalize '{other}' is not minmax, percentile or zscore"),
            };
            var type = parse.GetValue(dtype) is { } name ? NiftiDataTypes.Parse(name) : NiftiDataType.Float32;
            var path = parse.GetValue(output)!.FullName;
            Nifti.Write(path, v, type);
            Console.WriteLine($"wrote {path}: {v.Shape[0]}x{v.Shape[1]}x{v.Shape[2]} {v.OrientationCodes} {string.Join("x", v.Spacing.Select(x => x.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)))} mm {type.Name()}");
            return 0;
        });
        return command;
    }
}
