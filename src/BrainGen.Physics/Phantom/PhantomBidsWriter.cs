using System.Globalization;
using System.Text;
using System.Text.Json;
using BrainGen.Imaging;
using BrainGen.Physics.Signal;
using BrainGen.Physics.Tissue;

namespace BrainGen.Physics.Phantom;

/// <summary>
/// Writes the phantom as a BIDS raw dataset plus a `derivatives/phantom-truth` dataset holding the
/// known truth (tissue probseg, ventricles, dseg, brain mask, PD/T1/T2/T2* maps). Every file is
/// written atomically (Imaging's AtomicFile: temp + rename). Kept inside Physics because the layout is
/// phantom-specific; it uses only Imaging's NIfTI writer and atomic file helper.
/// </summary>
internal sealed class PhantomBidsWriter(string root, PhantomOptions options)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private string Truth => Path.Combine(root, "derivatives", "phantom-truth");

    public void WriteDatasetFiles(IReadOnlyList<(string Suffix, MrProtocol Protocol)> protocols)
    {
        WriteJson(Path.Combine(root, "dataset_description.json"), new Dictionary<string, object>
        {
            ["Name"] = "BrainGen physics phantom cohort", ["BIDSVersion"] = "1.9.0", ["DatasetType"] = "raw",
            ["Authors"] = new[] { "BrainGen phantom simulator" },
            ["GeneratedBy"] = new[] { new Dictionary<string, object> { ["Name"] = "braingen phantom", ["Description"] = Describe() } },
        });
        WriteJson(Path.Combine(root, "participants.json"), new Dictionary<string, object>
        {
            ["age"] = new Dictionary<string, string> { ["Description"] = "age at the first session", ["Units"] = "year" },
            ["sex"] = new Dictionary<string, object> { ["Description"] = "sex (sets head size)", ["Levels"] = new Dictionary<string, string> { ["M"] = "male", ["F"] = "female" } },
            ["brain_volume_ml"] = new Dictionary<string, string> { ["Description"] = "true GM+WM volume (sum of warped partial-volume fractions)", ["Units"] = "mL" },
            ["ventricle_volume_ml"] = new Dictionary<string, string> { ["Description"] = "true lateral ventricle volume", ["Units"] = "mL" },
            ["icv_ml"] = new Dictionary<string, string> { ["Description"] = "true intracranial volume (CSF+GM+WM)", ["Units"] = "mL" },
            ["seed"] = new Dictionary<string, string> { ["Description"] = "subject seed = SeedHash.Derive(cohort seed, index)" },
        });
        WriteJson(Path.Combine(Truth, "dataset_description.json"), new Dictionary<string, object>
        {
            ["Name"] = "BrainGen phantom ground truth", ["BIDSVersion"] = "1.9.0", ["DatasetType"] = "derivative",
            ["GeneratedBy"] = new[] { new Dictionary<string, object> { ["Name"] = "braingen phantom" } },
        });
        AtomicFile.WriteAllText(Path.Combine(Truth, "dseg.tsv"), "index\tname\tabbreviation\n1\tcerebrospinal fluid\tCSF\n2\tgray matter\tGM\n3\twhite matter\tWM\n");
        AtomicFile.WriteAllText(Path.Combine(root, "README"),
            "Synthetic brain MRI cohort from the BrainGen physics phantom (Colin27 anatomy, closed-form MR signal models).\n" +
            "Ground truth lives in derivatives/phantom-truth. Protocols:\n" +
            string.Join("\n", protocols.Select(p => $"  {p.Suffix}: {p.Protocol}")) + "\n");
    }

    private string Describe() =>
        $"seed {options.Seed}, {options.Subjects} subjects, {options.ResolutionMm} mm, age {options.MinAge}-{options.MaxAge}, " +
        $"{options.FollowUps} follow-ups every {options.FollowUpIntervalYears} y, noise {options.NoiseFraction}, bias {options.BiasAmplitude}";

    private string Stem(string participant, string? session) => session is null ? participant : $"{participant}_{session}";

    private string AnatDir(string baseDir, string participant, string? session) =>
        session is null ? Path.Combine(baseDir, participant, "anat") : Path.Combine(baseDir, participant, session, "anat");

    public void WriteImage(string participant, string? session, string suffix, Volume image, MrProtocol protocol, ulong seed, ImageSynthesizer.Settings settings)
    {
        string dir = AnatDir(root, participant, session), stem = $"{Stem(participant, session)}_{suffix}";
        Nifti.Write(Path.Combine(dir, stem + ".nii.gz"), image, NiftiDataType.Int16);
        var sidecar = new Dictionary<string, object>
        {
            ["MagneticFieldStrength"] = protocol.FieldStrengthTesla,
            ["PulseSequenceType"] = protocol.Sequence.ToString(),
            ["RepetitionTime"] = protocol.RepetitionTime / 1000.0,
            ["EchoTime"] = protocol.EchoTime / 1000.0,
            ["ProtocolName"] = protocol.Name,
            ["ProtocolDescription"] = protocol.Description,
            ["SignalModel"] = protocol.ToString(),
            ["Seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["NoiseFraction"] = settings.NoiseFraction,
            ["BiasFieldAmplitude"] = settings.BiasAmplitude,
            ["SkullStripped"] = settings.SkullStrip,
        };
        if (protocol.UsesInversion) sidecar["InversionTime"] = protocol.InversionTime / 1000.0;
        if (protocol.Sequence is SequenceKind.Flash or SequenceKind.Mprage) sidecar["FlipAngle"] = protocol.FlipAngleDegrees;
        if (protocol.Sequence == SequenceKind.Mprage)
        {
            sidecar["EchoSpacing"] = protocol.EchoSpacing / 1000.0;
            sidecar["ReadoutPulsesPerInversion"] = protocol.ReadoutPulses;
            sidecar["InversionEfficiency"] = protocol.InversionEfficiency;
        }
        WriteJson(Path.Combine(dir, stem + ".json"), sidecar);
    }

    public void WriteTruth(string participant, string? session, SubjectAnatomy anatomy, IReadOnlyDictionary<TissueClass, TissueParameters> tissues,
                           TissueModulation modulation)
    {
        var maps = anatomy.Maps;
        string dir = AnatDir(Truth, participant, session), stem = Stem(participant, session);
        foreach (var (label, data) in new[] { ("CSF", maps.Csf), ("GM", maps.GreyMatter), ("WM", maps.WhiteMatter), ("Ventricles", maps.Ventricles) })
            Nifti.Write(Path.Combine(dir, $"{stem}_label-{label}_probseg.nii.gz"), maps.ToVolume(data), NiftiDataType.UInt8);
        Nifti.Write(Path.Combine(dir, $"{stem}_dseg.nii.gz"), maps.ToVolume(anatomy.Labels()), NiftiDataType.UInt8);
        Nifti.Write(Path.Combine(dir, $"{stem}_desc-brain_mask.nii.gz"), maps.ToVolume(maps.BrainMask().Select(b => b ? 1f : 0f).ToArray()), NiftiDataType.UInt8);
        if (options.WriteTissueMaps)
        {
            var fractions = SubjectAnatomy.ImagedTissues.Select(t => (maps[t], tissues[t])).ToList();
            var property = TissuePropertyMaps.FromTissues(maps.Grid, fractions, modulation, tissues[TissueClass.Csf]);
            foreach (var suffix in TissuePropertyMaps.BidsSuffixes)
                Nifti.Write(Path.Combine(dir, $"{stem}_{suffix}.nii.gz"), maps.ToVolume(property[suffix]), NiftiDataType.Float32);
        }
        var tsv = new StringBuilder("tissue\tvolume_ml\tproton_density\tt1_ms\tt2_ms\tt2star_ms\n");
        foreach (var t in TissueClasses.Brain)
        {
            var p = tissues[t];
            tsv.Append(CultureInfo.InvariantCulture, $"{t.BidsLabel()}\t{maps.VolumeMl(maps[t]):0.00}\t{p.ProtonDensity:0.0000}\t{p.T1:0.0}\t{p.T2:0.0}\t{p.T2Star:0.0}\n");
        }
        tsv.Append(CultureInfo.InvariantCulture, $"Ventricles\t{anatomy.VentricleVolumeMl:0.00}\t\t\t\t\n");
        AtomicFile.WriteAllText(Path.Combine(dir, $"{stem}_volumes.tsv"), tsv.ToString());
    }

    public void WriteSessions(PhantomSubjectRecord record)
    {
        var tsv = new StringBuilder("session_id\tage\tbrain_volume_ml\tventricle_volume_ml\ticv_ml\n");
        foreach (var v in record.Visits)
            tsv.Append(CultureInfo.InvariantCulture, $"{v.Session}\t{v.Age:0.0}\t{v.BrainVolumeMl:0.00}\t{v.VentricleVolumeMl:0.00}\t{v.IntracranialVolumeMl:0.00}\n");
        AtomicFile.WriteAllText(Path.Combine(root, record.ParticipantId, $"{record.ParticipantId}_sessions.tsv"), tsv.ToString());
    }

    public void WriteParticipants(IReadOnlyList<PhantomSubjectRecord> records)
    {
        var tsv = new StringBuilder("participant_id\tage\tsex\tbrain_volume_ml\tventricle_volume_ml\ticv_ml\tseed\n");
        foreach (var r in records)
        {
            var b = r.Visits[0];
            tsv.Append(CultureInfo.InvariantCulture, $"{r.ParticipantId}\t{b.Age:0.0}\t{r.Sex}\t{b.BrainVolumeMl:0.00}\t{b.VentricleVolumeMl:0.00}\t{b.IntracranialVolumeMl:0.00}\t{r.Seed}\n");
        }
        AtomicFile.WriteAllText(Path.Combine(root, "participants.tsv"), tsv.ToString());
    }

    private static void WriteJson(string path, object value) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(value, Json) + "\n");
}
