namespace BrainGen.Physics.Signal;

/// <summary>
/// Named acquisition protocols (`--preset ukb-flair`). Sources in docs/physics.md and reference notes
/// section 2.6: UK Biobank (Alfaro-Almagro et al. NeuroImage 2018;166:400, Table 1), OASIS-3 (acquisition
/// parameters in the Phy-LDM repository, `data/oasis-3-acq-params.csv`), ADNI (public protocol sheets),
/// textbook spin-echo weightings, BrainWeb FLASH. 3D variable-flip-angle TSE (SPACE) scans have very long
/// nominal TEs; their presets use an equivalent single-echo TE (stated in each description) because the
/// closed-form spin-echo model would otherwise over-weight T2.
/// </summary>
public static class ProtocolPresets
{
    private static readonly MrProtocol[] All =
    [
        new("ukb-t1", SequenceKind.Mprage, 2000, 2.01, InversionTime: 880, FlipAngleDegrees: 8, EchoSpacing: 7.5, ReadoutPulses: 208,
            FieldStrengthTesla: 3, BidsSuffix: "T1w", Description: "UK Biobank 3D MPRAGE, Siemens Skyra 3T, TI/TR 880/2000 ms (Alfaro-Almagro 2018)"),
        new("ukb-flair", SequenceKind.InversionRecovery, 5000, 120, InversionTime: 1800,
            FieldStrengthTesla: 3, BidsSuffix: "FLAIR", Description: "UK Biobank 3D SPACE T2 FLAIR, TI/TR 1800/5000 ms; nominal TE 395 ms, equivalent TE 120 ms"),
        new("oasis3-t1", SequenceKind.Mprage, 2400, 3.16, InversionTime: 1000, FlipAngleDegrees: 8, EchoSpacing: 7.1, ReadoutPulses: 176,
            FieldStrengthTesla: 3, BidsSuffix: "T1w", Description: "OASIS-3 MPRAGE, Siemens 3T, TR/TI/TE 2400/1000/3.16 ms"),
        new("oasis3-t2", SequenceKind.SpinEcho, 3200, 100,
            FieldStrengthTesla: 3, BidsSuffix: "T2w", Description: "OASIS-3 3D SPACE T2w, TR 3200 ms; nominal TE 455 ms, equivalent TE 100 ms"),
        new("oasis3-flair", SequenceKind.InversionRecovery, 9000, 91, InversionTime: 2500,
            FieldStrengthTesla: 3, BidsSuffix: "FLAIR", Description: "OASIS-3 2D FLAIR, TR/TI/TE 9000/2500/91 ms"),
        new("adni-t1-1.5t", SequenceKind.Mprage, 2400, 3.6, InversionTime: 1000, FlipAngleDegrees: 8, EchoSpacing: 8.6, ReadoutPulses: 160,
            FieldStrengthTesla: 1.5, BidsSuffix: "T1w", Description: "ADNI-1 MPRAGE 1.5T, TR/TI 2400/1000 ms, flip 8° (protocol sheet values from memory)"),
        new("adni-t1", SequenceKind.Mprage, 2300, 2.98, InversionTime: 900, FlipAngleDegrees: 9, EchoSpacing: 7.1, ReadoutPulses: 176,
            FieldStrengthTesla: 3, BidsSuffix: "T1w", Description: "ADNI-2/3 MPRAGE 3T, TR/TI/TE 2300/900/2.98 ms, flip 9°"),
        new("adni-flair", SequenceKind.InversionRecovery, 5000, 120, InversionTime: 1800,
            FieldStrengthTesla: 3, BidsSuffix: "FLAIR", Description: "ADNI-3 3D FLAIR 3T, TR/TI 5000/1800 ms; equivalent TE 120 ms"),
        new("se-t1w-1.5t", SequenceKind.SpinEcho, 500, 15, FieldStrengthTesla: 1.5, BidsSuffix: "T1w", Description: "spin echo T1w 1.5T, TR/TE 500/15 ms"),
        new("se-t2w-1.5t", SequenceKind.SpinEcho, 4000, 100, FieldStrengthTesla: 1.5, BidsSuffix: "T2w", Description: "(turbo) spin echo T2w 1.5T, TR/TE 4000/100 ms"),
        new("se-pdw-1.5t", SequenceKind.SpinEcho, 3000, 15, FieldStrengthTesla: 1.5, BidsSuffix: "PDw", Description: "(turbo) spin echo PDw 1.5T, TR/TE 3000/15 ms"),
        new("se-t1w-3t", SequenceKind.SpinEcho, 600, 10, FieldStrengthTesla: 3, BidsSuffix: "T1w", Description: "spin echo T1w 3T, TR/TE 600/10 ms"),
        new("se-t2w-3t", SequenceKind.SpinEcho, 5000, 100, FieldStrengthTesla: 3, BidsSuffix: "T2w", Description: "(turbo) spin echo T2w 3T, TR/TE 5000/100 ms"),
        new("se-pdw-3t", SequenceKind.SpinEcho, 3500, 15, FieldStrengthTesla: 3, BidsSuffix: "PDw", Description: "(turbo) spin echo PDw 3T, TR/TE 3500/15 ms"),
        new("flair-1.5t", SequenceKind.InversionRecovery, 8000, 120, InversionTime: 2370, FieldStrengthTesla: 1.5, BidsSuffix: "FLAIR",
            Description: "2D FLAIR 1.5T, TR/TI/TE 8000/2370/120 ms (TI nulls CSF T1 4329 ms)"),
        new("flash-t1w-3t", SequenceKind.Flash, 18, 4.6, FlipAngleDegrees: 30, FieldStrengthTesla: 3, BidsSuffix: "T1w",
            Description: "spoiled gradient echo T1w 3T, TR/TE 18/4.6 ms, flip 30°"),
        new("flash-pdw-3t", SequenceKind.Flash, 25, 4.6, FlipAngleDegrees: 5, FieldStrengthTesla: 3, BidsSuffix: "PDw",
            Description: "spoiled gradient echo PD-like 3T, TR/TE 25/4.6 ms, flip 5° (below the Ernst angle)"),
        new("brainweb-t1", SequenceKind.Flash, 18, 10, FlipAngleDegrees: 30, FieldStrengthTesla: 1.5, BidsSuffix: "T1w",
            Description: "BrainWeb SBD T1: SFLASH TR/TE 18/10 ms, flip 30° (from memory)"),
        new("gre-t2starw-3t", SequenceKind.Flash, 600, 20, FlipAngleDegrees: 20, FieldStrengthTesla: 3, BidsSuffix: "T2starw",
            Description: "2D gradient echo T2*w 3T, TR/TE 600/20 ms, flip 20°"),
        new("phyldm-mprage", SequenceKind.PhyLdmMprage, 2400, 3.16, InversionTime: 1000, FieldStrengthTesla: 3, BidsSuffix: "T1w",
            Description: "Phy-LDM simplified MPRAGE with the OASIS-3 parameters"),
        new("phyldm-flair", SequenceKind.PhyLdmFlair, 9000, 91, InversionTime: 2500, FieldStrengthTesla: 3, BidsSuffix: "FLAIR",
            Description: "Phy-LDM simplified FLAIR with the OASIS-3 2D FLAIR parameters"),
    ];

    private static readonly Dictionary<string, MrProtocol> ByName = All.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyList<MrProtocol> Presets => All;

    public static IEnumerable<string> Names => All.Select(p => p.Name);

    public static MrProtocol Get(string name) =>
        ByName.TryGetValue(name.Trim(), out var protocol)
            ? protocol
            : throw new ArgumentException($"--preset: unknown protocol '{name}' (known: {string.Join(", ", Names)})");
}
