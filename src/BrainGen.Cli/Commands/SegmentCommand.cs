using System.CommandLine;
using BrainGen.Imaging;
using BrainGen.Physics.Phantom;
using BrainGen.Physics.Segmentation;
using BrainGen.Physics.Tissue;

namespace BrainGen.Cli.Commands;

/// <summary>`braingen segment`: FAST-like GM/WM/CSF partial-volume maps of a skull-stripped image.</summary>
internal static class SegmentCommand
{
    public static Command Build()
    {
        var input = new Argument<FileInfo>("image") { Description = "skull-stripped NIfTI (T1w unless --contrast)" };
        var mask = new Option<FileInfo?>("--mask") { Description = "brain mask NIfTI (default: voxels > 0)" };
        var contrast = new Option<string>("--contrast") { Description = "t1w, t2w, flair or pdw", DefaultValueFactory = _ => "t1w" };
        var beta = new Option<double>("--beta") { Description = "MRF smoothness", DefaultValueFactory = _ => 0.5 };
        var noBias = new Option<bool>("--no-bias") { Description = "skip bias-field correction" };
        var output = new Option<string>("--output", "-o") { Description = "output prefix: PREFIX_label-{CSF,GM,WM}_probseg.nii.gz, _dseg, _biasfield", Required = true };
        var command = new Command("segment", "segment a skull-stripped image into GM/WM/CSF probability maps") { input, mask, contrast, beta, noBias, output };
        command.SetAction(parse =>
        {
            var (image, segmentation) = Run(parse.GetValue(input)!, parse.GetValue(mask), parse.GetValue(contrast)!, parse.GetValue(beta), !parse.GetValue(noBias));
            string prefix = parse.GetValue(output)!;
            foreach (var t in TissueClasses.Brain)
                Nifti.Write($"{prefix}_label-{t.BidsLabel()}_probseg.nii.gz", image.WithData(segmentation[t]));
            Nifti.Write($"{prefix}_dseg.nii.gz", image.WithData(segmentation.HardLabels()), NiftiDataType.UInt8);
            Nifti.Write($"{prefix}_biasfield.nii.gz", image.WithData(segmentation.BiasField));
            foreach (var t in TissueClasses.Brain)
                Console.WriteLine($"{t.BidsLabel()}\t{segmentation.VolumeMl(t):0.0} mL\tmean {segmentation.Means[t]:0.#} sd {segmentation.StandardDeviations[t]:0.#}");
            return 0;
        });
        return command;
    }

    internal static (Volume Image, TissueSegmentation Segmentation) Run(FileInfo input, FileInfo? maskFile, string contrast, double beta, bool bias)
    {
        if (!input.Exists) throw new FileNotFoundException($"{input.FullName}: not found", input.FullName);
        var image = Nifti.Read(input.FullName).ToCanonical();
        bool[]? mask = null;
        if (maskFile is not null)
        {
            if (!maskFile.Exists) throw new FileNotFoundException($"{maskFile.FullName}: not found", maskFile.FullName);
            var m = Nifti.Read(maskFile.FullName).ToCanonical();
            if (!m.Shape.SequenceEqual(image.Shape)) throw new InvalidDataException($"{maskFile.FullName}: mask grid {m} differs from image {image}");
            mask = m.Data.Select((v, i) => v > 0.5f && image.Data[i] > 0).ToArray();
        }
        var options = new SegmentationOptions(SegmentationOptions.ParseContrast(contrast), beta, bias);
        return (image, TissueSegmenter.Segment(image.Data, Colin27Template.GridOf(image), mask, options));
    }
}
