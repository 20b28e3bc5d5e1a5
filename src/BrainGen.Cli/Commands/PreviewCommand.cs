using System.CommandLine;
using BrainGen.Imaging;

namespace BrainGen.Cli.Commands;

/// <summary>`braingen preview`: orthogonal-slice PNG of one image, or a labelled montage of several.</summary>
internal static class PreviewCommand
{
    public static Command Build()
    {
        var files = new Argument<FileInfo[]>("files") { Description = "NIfTI image(s); several make a montage", Arity = ArgumentArity.OneOrMore };
        var output = new Option<FileInfo>("--output", "-o") { Description = "PNG to write (a new path or a regular file: a device, FIFO, folder or symbolic link there is refused)", Required = true };
        var point = new Option<double[]>("--point") { Description = "world point in mm (x y z, RAS+) to slice through", AllowMultipleArgumentsPerToken = true };
        var voxel = new Option<int[]>("--voxel") { Description = "voxel (i j k) to slice through", AllowMultipleArgumentsPerToken = true };
        var radiological = new Option<bool>("--radiological") { Description = "subject's left on the image's right (default: neurological, left is left)" };
        var size = new Option<int>("--size") { Description = "pixels along the longest extent of each panel", DefaultValueFactory = _ => 256 };
        var columns = new Option<int>("--columns") { Description = "montage tiles per row", DefaultValueFactory = _ => 2 };
        var command = new Command("preview", "write orthogonal slices (sagittal, coronal, axial) as a PNG") { files, output, point, voxel, radiological, size, columns };
        command.SetAction(parse =>
        {
            var pixels = parse.GetValue(size);
            if (pixels is < PreviewOptions.MinPanelPixels or > PreviewOptions.MaxPanelPixels)
                throw new ArgumentException($"--size {pixels}: a panel is {PreviewOptions.MinPanelPixels} to {PreviewOptions.MaxPanelPixels} pixels");
            if (parse.GetValue(columns) < 1) throw new ArgumentException($"--columns {parse.GetValue(columns)}: must be at least 1");
            var world = parse.GetValue(point);
            var index = parse.GetValue(voxel);
            if (world is { Length: > 0 and not 3 }) throw new ArgumentException("--point takes 3 numbers: x y z in mm");
            if (index is { Length: > 0 and not 3 }) throw new ArgumentException("--voxel takes 3 integers: i j k");
            var options = new PreviewOptions
            {
                WorldPoint = world is { Length: 3 } ? world : null,
                VoxelPoint = index is { Length: 3 } ? index : null,
                Convention = parse.GetValue(radiological) ? DisplayConvention.Radiological : DisplayConvention.Neurological,
                PanelPixels = parse.GetValue(size),
            };
            var inputs = parse.GetValue(files)!;
            var png = parse.GetValue(output)!.FullName;
            if (inputs.Length == 1)
                Preview.WriteOrthogonal(Nifti.Read(inputs[0].FullName), png, options with { Title = inputs[0].Name });
            else
                Preview.WriteMontage(inputs.Select(f => (f.Name, Nifti.Read(f.FullName))).ToList(), png, parse.GetValue(columns), options);
            Console.WriteLine($"wrote {png} ({options.Convention.ToString().ToLowerInvariant()} convention)");
            return 0;
        });
        return command;
    }
}
