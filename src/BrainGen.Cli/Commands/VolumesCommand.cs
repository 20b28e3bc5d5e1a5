using System.CommandLine;
using System.Globalization;
using System.Text;
using BrainGen.Imaging;
using BrainGen.Physics.Phantom;
using BrainGen.Physics.Segmentation;

namespace BrainGen.Cli.Commands;

/// <summary>`braingen volumes`: brain and lateral-ventricle volumes (mL) of skull-stripped T1w images, as TSV.</summary>
internal static class VolumesCommand
{
    public static Command Build()
    {
        var inputs = new Argument<FileInfo[]>("images") { Description = "skull-stripped T1w NIfTI files", Arity = ArgumentArity.OneOrMore };
        var mask = new Option<FileInfo?>("--mask") { Description = "brain mask (only with a single image)" };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "TSV path (default: stdout) (a new path or a regular file: a device, FIFO, folder or symbolic link there is refused)" };
        var regions = new Option<DirectoryInfo?>("--ventricle-maps")
        {
            Description = "also write each image's measured ventricles (CSF fraction inside the ventricle region) as DIR/IMAGE_label-Ventricles_probseg.nii.gz, for checking",
        };
        var command = new Command("volumes", "measure total brain and ventricle volume (mL) on skull-stripped T1w images") { inputs, mask, output, regions };
        command.SetAction(parse =>
        {
            var files = parse.GetValue(inputs)!;
            var maskFile = parse.GetValue(mask);
            if (maskFile is not null && files.Length > 1) throw new ArgumentException("--mask: only with a single image");
            var atlas = Colin27Template.VentricleAtlas();
            var tsv = new StringBuilder("image\tbrain_volume_ml\tventricle_volume_ml\tgm_ml\twm_ml\tcsf_ml\tmask_ml\n");
            foreach (var file in files)
            {
                var (image, segmentation) = SegmentCommand.Run(file, maskFile, "t1w", 0.5, true);
                var v = BrainVolumes.Measure(segmentation, image.Affine, atlas, out var ventricles);
                if (parse.GetValue(regions) is { } dir)
                {
                    // sub-01_T1w.nii.gz -> sub-01_label-Ventricles_probseg.nii.gz (the map takes its own BIDS suffix).
                    var stem = Nifti.FileStem(file.Name);
                    if (stem.EndsWith("_T1w", StringComparison.Ordinal)) stem = stem[..^4];
                    Directory.CreateDirectory(dir.FullName);
                    Nifti.Write(Path.Combine(dir.FullName, $"{stem}_label-Ventricles_probseg.nii.gz"), image.WithData(ventricles));
                }
                if (!v.HasVentricles)
                    Console.Error.WriteLine($"warning: {file.FullName}: no lateral-ventricle region found (no voxel of the registered Colin27 ventricles reaches CSF probability 0.5, e.g. slit-like ventricles at this resolution); ventricle_volume_ml is n/a");
                string ventricleMl = v.HasVentricles ? v.VentricleMl.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";
                tsv.Append(CultureInfo.InvariantCulture,
                    $"{file.Name}\t{v.BrainMl:0.00}\t{ventricleMl}\t{v.GreyMatterMl:0.00}\t{v.WhiteMatterMl:0.00}\t{v.CsfMl:0.00}\t{v.MaskMl:0.00}\n");
            }
            if (parse.GetValue(output) is { } path) AtomicFile.WriteAllText(path.FullName, tsv.ToString());
            else Console.Write(tsv.ToString());
            return 0;
        });
        return command;
    }
}
