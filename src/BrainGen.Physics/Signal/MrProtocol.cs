namespace BrainGen.Physics.Signal;

/// <summary>
/// One acquisition protocol: a sequence with its parameters. Times in ms, angles in degrees.
/// Parameters a sequence does not use are ignored (TI for FLASH, flip for spin echo...).
/// </summary>
public sealed record MrProtocol(
    string Name,
    SequenceKind Sequence,
    double RepetitionTime,
    double EchoTime,
    double InversionTime = 0,
    double FlipAngleDegrees = 90,
    double EchoSpacing = 0,
    int ReadoutPulses = 0,
    double InversionEfficiency = 1.0,
    double FieldStrengthTesla = 3.0,
    string BidsSuffix = "",
    string Description = "")
{
    /// <summary>Magnitude signal of one tissue (or one voxel's parameters) under this protocol.</summary>
    public double Signal(in TissueParameters tissue) => Sequence switch
    {
        SequenceKind.Flash => SpoiledGradientEcho.Signal(tissue, RepetitionTime, EchoTime, FlipAngleDegrees),
        SequenceKind.SpinEcho => SpinEcho.Exact(tissue, RepetitionTime, EchoTime),
        SequenceKind.SpinEchoShortTe => SpinEcho.ShortEcho(tissue, RepetitionTime, EchoTime),
        SequenceKind.InversionRecovery => InversionRecovery.General(tissue, RepetitionTime, EchoTime, InversionTime,
                                                                    180 * InversionEfficiency, 90),
        SequenceKind.Mprage => Mprage.Signal(tissue, MprageTiming),
        SequenceKind.PhyLdmMprage => PhyLdmSignal.Mprage(tissue, RepetitionTime, EchoTime, InversionTime),
        SequenceKind.PhyLdmSpinEcho => PhyLdmSignal.SpinEcho(tissue, RepetitionTime, EchoTime),
        SequenceKind.PhyLdmFlair => PhyLdmSignal.Flair(tissue, RepetitionTime, EchoTime, InversionTime),
        _ => throw new ArgumentException($"protocol {Name}: unknown sequence {Sequence}"),
    };

    public MprageTiming MprageTiming =>
        new(RepetitionTime, InversionTime, EchoTime, FlipAngleDegrees, EchoSpacing, ReadoutPulses, InversionEfficiency);

    public bool UsesInversion => Sequence is SequenceKind.InversionRecovery or SequenceKind.Mprage
                                          or SequenceKind.PhyLdmMprage or SequenceKind.PhyLdmFlair;

    /// <summary>The BIDS suffix to file images of this protocol under (explicit, else inferred from the weighting).</summary>
    public string Suffix => BidsSuffix.Length > 0 ? BidsSuffix : ContrastWeighting.InferSuffix(this);

    /// <summary>Throws ArgumentException naming the parameter when the protocol cannot be simulated.</summary>
    public void Validate()
    {
        if (!(RepetitionTime > 0)) throw new ArgumentException($"protocol {Name}: --tr must be > 0 ms, got {RepetitionTime}");
        if (!(EchoTime >= 0)) throw new ArgumentException($"protocol {Name}: --te must be >= 0 ms, got {EchoTime}");
        if (EchoTime >= RepetitionTime && Sequence != SequenceKind.Mprage)
            throw new ArgumentException($"protocol {Name}: --te {EchoTime} ms must be shorter than --tr {RepetitionTime} ms");
        if (UsesInversion && !(InversionTime > 0))
            throw new ArgumentException($"protocol {Name}: {Sequence} needs --ti > 0 ms, got {InversionTime}");
        if (UsesInversion && Sequence != SequenceKind.Mprage && InversionTime >= RepetitionTime)
            throw new ArgumentException($"protocol {Name}: --ti {InversionTime} ms must be shorter than --tr {RepetitionTime} ms");
        if (Sequence is SequenceKind.Flash or SequenceKind.Mprage && !(FlipAngleDegrees is > 0 and < 180))
            throw new ArgumentException($"protocol {Name}: --flip must be in (0, 180) degrees, got {FlipAngleDegrees}");
        if (Sequence == SequenceKind.Mprage) MprageTiming.Validate();
        if (!(FieldStrengthTesla > 0)) throw new ArgumentException($"protocol {Name}: --field must be > 0 T, got {FieldStrengthTesla}");
    }

    public override string ToString()
    {
        var parts = new List<string> { $"{Sequence}", $"TR {RepetitionTime:0.##} ms", $"TE {EchoTime:0.##} ms" };
        if (UsesInversion) parts.Add($"TI {InversionTime:0.##} ms");
        if (Sequence is SequenceKind.Flash or SequenceKind.Mprage) parts.Add($"flip {FlipAngleDegrees:0.#}°");
        if (Sequence == SequenceKind.Mprage) parts.Add($"ES {EchoSpacing:0.##} ms, N {ReadoutPulses}, η {InversionEfficiency:0.##}");
        parts.Add($"{FieldStrengthTesla:0.#} T");
        return $"{Name}: {string.Join(", ", parts)}";
    }
}
