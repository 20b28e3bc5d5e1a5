using System.CommandLine;
using BrainGen.Imaging;
using BrainGen.Physics;
using BrainGen.Physics.Phantom;
using BrainGen.Physics.Signal;
using BrainGen.Physics.Tissue;

namespace BrainGen.Cli.Commands;

/// <summary>
/// `braingen contrast`: any MR contrast from tissue-property maps (PD/T1/T2/T2* NIfTIs, e.g. from the
/// phantom's derivatives or a physics-informed LDM) or from GM/WM/CSF probability maps (signals summed
/// per tissue with the literature table), by preset or explicit sequence parameters.
/// </summary>
internal static class ContrastCommand
{
    public static Command Build()
    {
        var maps = new Option<string?>("--maps") { Description = "prefix of PD/T1/T2/T2* maps: PREFIX_PDmap.nii.gz, _T1map, _T2map, _T2starmap" };
        var probseg = new Option<string?>("--probseg") { Description = "prefix of tissue maps: PREFIX_label-{CSF,GM,WM}_probseg.nii.gz" };
        var preset = new Option<string?>("--preset") { Description = $"protocol preset ({string.Join(", ", ProtocolPresets.Names)})" };
        var sequence = new Option<string?>("--sequence") { Description = "flash, se, se-short-te, flair/ir, mprage, phyldm-mprage, phyldm-se, phyldm-flair" };
        var tr = new Option<double?>("--tr") { Description = "repetition time, ms" };
        var te = new Option<double?>("--te") { Description = "echo time, ms" };
        var ti = new Option<double?>("--ti") { Description = "inversion time, ms" };
        var flip = new Option<double?>("--flip") { Description = "flip angle, degrees" };
        var echoSpacing = new Option<double?>("--echo-spacing") { Description = "MPRAGE echo spacing, ms" };
        var pulses = new Option<int?>("--readout-pulses") { Description = "MPRAGE readout pulses per inversion" };
        var efficiency = new Option<double?>("--inversion-efficiency") { Description = "MPRAGE inversion efficiency (0, 1]" };
        var field = new Option<double?>("--field") { Description = "field strength, T (1.5 or 3) for the tissue table" };
        var output = new Option<FileInfo>("--output", "-o") { Description = "output NIfTI (a new path or a regular file: a device, FIFO, folder or symbolic link there is refused)", Required = true };
        var preview = new Option<FileInfo?>("--preview") { Description = "also write an orthogonal PNG preview" };
        var command = new Command("contrast", "synthesize an MR contrast from tissue-property or tissue-probability maps")
            { maps, probseg, preset, sequence, tr, te, ti, flip, echoSpacing, pulses, efficiency, field, output, preview };
        command.SetAction(parse =>
        {
            var protocol = ResolveProtocol(parse.GetValue(preset), parse.GetValue(sequence), parse.GetValue(tr), parse.GetValue(te),
                parse.GetValue(ti), parse.GetValue(flip), parse.GetValue(echoSpacing), parse.GetValue(pulses), parse.GetValue(efficiency), parse.GetValue(field));
            string? mapPrefix = parse.GetValue(maps), probPrefix = parse.GetValue(probseg);
            if ((mapPrefix is null) == (probPrefix is null)) throw new ArgumentException("contrast: give exactly one of --maps or --probseg");
            Volume reference;
            float[] image;
            if (mapPrefix is not null)
            {
                var volumes = TissuePropertyMaps.BidsSuffixes.Select(s => ReadMap($"{mapPrefix}_{s}.nii.gz")).ToArray();
                reference = volumes[0];
                CheckSameGrid(volumes, mapPrefix);
                var grid = Colin27Template.GridOf(reference);
                image = ContrastSynthesis.FromMaps(new TissuePropertyMaps(grid, volumes[0].Data, volumes[1].Data, volumes[2].Data, volumes[3].Data), protocol);
            }
            else
            {
                var labels = new[] { TissueClass.Csf, TissueClass.GreyMatter, TissueClass.WhiteMatter };
                var volumes = labels.Select(t => ReadMap($"{probPrefix}_label-{t.BidsLabel()}_probseg.nii.gz")).ToArray();
                reference = volumes[0];
                CheckSameGrid(volumes, probPrefix!);
                var table = TissueTable.ForField(protocol.FieldStrengthTesla);
                image = ContrastSynthesis.FromTissues(Colin27Template.GridOf(reference),
                    labels.Select((t, k) => (volumes[k].Data, table[t])).ToList(), protocol);
            }
            var result = reference.WithData(image);
            var path = parse.GetValue(output)!.FullName;
            Nifti.Write(path, result);
            if (parse.GetValue(preview) is { } png) Preview.WriteOrthogonal(result, png.FullName, new PreviewOptions { Title = protocol.ToString() });
            Console.WriteLine($"{protocol} -> {path} ({protocol.Suffix})");
            return 0;
        });
        return command;
    }

    internal static MrProtocol ResolveProtocol(string? preset, string? sequence, double? tr, double? te, double? ti, double? flip,
                                               double? echoSpacing, int? pulses, double? efficiency, double? field)
    {
        MrProtocol protocol;
        if (preset is not null) protocol = ProtocolPresets.Get(preset);
        else if (sequence is not null)
        {
            var kind = SequenceNames.Parse(sequence);
            if (tr is null) throw new ArgumentException("--sequence needs --tr");
            if (te is null) throw new ArgumentException("--sequence needs --te");
            protocol = new MrProtocol("custom", kind, tr.Value, te.Value, FlipAngleDegrees: kind == SequenceKind.Mprage ? 8 : kind == SequenceKind.Flash ? 30 : 90,
                                      EchoSpacing: 7.5, ReadoutPulses: 176);
        }
        else throw new ArgumentException("contrast: give --preset or --sequence");
        protocol = protocol with
        {
            RepetitionTime = tr ?? protocol.RepetitionTime,
            EchoTime = te ?? protocol.EchoTime,
            InversionTime = ti ?? protocol.InversionTime,
            FlipAngleDegrees = flip ?? protocol.FlipAngleDegrees,
            EchoSpacing = echoSpacing ?? protocol.EchoSpacing,
            ReadoutPulses = pulses ?? protocol.ReadoutPulses,
            InversionEfficiency = efficiency ?? protocol.InversionEfficiency,
            FieldStrengthTesla = field ?? protocol.FieldStrengthTesla,
        };
        if (preset is not null && (tr ?? te ?? ti ?? flip) is not null) protocol = protocol with { BidsSuffix = "" };
        protocol.Validate();
        return protocol;
    }

    internal static Volume ReadMap(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: not found", path);
        return Nifti.Read(path).ToCanonical();
    }

    internal static void CheckSameGrid(Volume[] volumes, string what)
    {
        foreach (var v in volumes)
            if (!v.Shape.SequenceEqual(volumes[0].Shape) || !v.Affine.ApproximatelyEquals(volumes[0].Affine, 1e-3))
                throw new InvalidDataException($"{what}: maps are on different grids ({v} vs {volumes[0]})");
    }
}
