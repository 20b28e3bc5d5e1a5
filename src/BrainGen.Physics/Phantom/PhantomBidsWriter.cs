using System.Globalization;
using BrainGen.Imaging;
using BrainGen.Physics.Signal;
using BrainGen.Physics.Tissue;

namespace BrainGen.Physics.Phantom;

/// <summary>
/// Writes the phantom as a BIDS raw dataset plus a `derivatives/phantom-truth` dataset holding the
/// known truth (tissue probseg, ventricles, dseg, brain mask, PD/T1/T2/T2* maps). Every file is
/// written atomically through Imaging's BIDS helpers (<see cref="BidsFiles"/>, <see cref="TsvTable"/>).
/// Kept inside Physics because the layout is phantom-specific.
/// </summary>
internal sealed class PhantomBidsWriter(string root, PhantomOptions options)
{
    private const string BidsVersion = "1.9.0";
    private string Truth => Path.Combine(root, "derivatives", "phantom-truth");

    private static readonly BidsColumn[] ParticipantColumns =
    [
        new("age", "age at the first session", "year"),
        new("sex", "sex (sets head size)", Levels: new Dictionary<string, string> { ["M"] = "male", ["F"] = "female" }),
        new("brain_volume_ml", "true GM+WM volume (sum of warped partial-volume fractions)", "mL"),
        new("ventricle_volume_ml", "true lateral ventricle volume", "mL"),
        new("icv_ml", "true intracranial volume (CSF+GM+WM)", "mL"),
        new("seed", "subject seed = SeedHash.Derive(cohort seed, index)"),
    ];

    public void WriteDatasetFiles(IReadOnlyList<(string Suffix, MrProtocol Protocol)> protocols)
    {
        BidsFiles.WriteDatasetDescription(root, new BidsDatasetDescription("BrainGen physics phantom cohort", "raw", new BidsGenerator("braingen phantom", Description: Describe()))
        {
            BidsVersion = BidsVersion, Authors = ["BrainGen phantom simulator"],
        });
        BidsFiles.WriteColumnDescriptions(Path.Combine(root, "participants.json"), ParticipantColumns);
        BidsFiles.WriteDatasetDescription(Truth, new BidsDatasetDescription("BrainGen phantom ground truth", "derivative", new BidsGenerator("braingen phantom"))
        {
            BidsVersion = BidsVersion,
        });
        TsvTable.Write(Path.Combine(Truth, "dseg.tsv"), ["index", "name", "abbreviation"],
            [[1, "cerebrospinal fluid", "CSF"], [2, "gray matter", "GM"], [3, "white matter", "WM"]]);
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
        BidsFiles.WriteJson(Path.Combine(dir, stem + ".json"), sidecar);
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
        var rows = TissueClasses.Brain.Select(t => (IReadOnlyList<object?>)
            [t.BidsLabel(), Fixed(maps.VolumeMl(maps[t]), "0.00"), Fixed(tissues[t].ProtonDensity, "0.0000"), Fixed(tissues[t].T1, "0.0"), Fixed(tissues[t].T2, "0.0"), Fixed(tissues[t].T2Star, "0.0")]);
        // The ventricles are a volume only; their properties are CSF's.
        TsvTable.Write(Path.Combine(dir, $"{stem}_volumes.tsv"), ["tissue", "volume_ml", "proton_density", "t1_ms", "t2_ms", "t2star_ms"],
            [.. rows, ["Ventricles", Fixed(anatomy.VentricleVolumeMl, "0.00"), "", "", "", ""]]);
    }

    public void WriteSessions(PhantomSubjectRecord record)
    {
        TsvTable.Write(Path.Combine(root, record.ParticipantId, $"{record.ParticipantId}_sessions.tsv"),
            ["session_id", "age", "brain_volume_ml", "ventricle_volume_ml", "icv_ml"],
            record.Visits.Select(v => (IReadOnlyList<object?>)[v.Session, Fixed(v.Age, "0.0"), Fixed(v.BrainVolumeMl, "0.00"), Fixed(v.VentricleVolumeMl, "0.00"), Fixed(v.IntracranialVolumeMl, "0.00")]));
    }

    public void WriteParticipants(IReadOnlyList<PhantomSubjectRecord> records)
    {
        TsvTable.Write(Path.Combine(root, "participants.tsv"), ["participant_id", .. ParticipantColumns.Select(c => c.Name)],
            records.Select(r => (IReadOnlyList<object?>)[r.ParticipantId, Fixed(r.Visits[0].Age, "0.0"), r.Sex, Fixed(r.Visits[0].BrainVolumeMl, "0.00"),
                                                         Fixed(r.Visits[0].VentricleVolumeMl, "0.00"), Fixed(r.Visits[0].IntracranialVolumeMl, "0.00"), r.Seed]));
    }

    /// <summary>Truth is rounded to what it means (0.01 mL, 0.1 year), not printed to the last bit.</summary>
    private static string Fixed(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
