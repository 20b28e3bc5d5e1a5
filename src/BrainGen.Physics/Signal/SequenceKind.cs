namespace BrainGen.Physics.Signal;

/// <summary>The closed-form signal models BrainGen can evaluate.</summary>
public enum SequenceKind
{
    /// <summary>Spoiled gradient echo (FLASH/SPGR): TR, TE, flip angle; T2* decay.</summary>
    Flash,
    /// <summary>Spin echo, exact form (TR, TE); use effective TE for turbo spin echo.</summary>
    SpinEcho,
    /// <summary>Spin echo, TE ≪ TR form.</summary>
    SpinEchoShortTe,
    /// <summary>Inversion recovery with a spin-echo readout (FLAIR, STIR): TR, TE, TI.</summary>
    InversionRecovery,
    /// <summary>MPRAGE, Deichmann 2000 closed form: TR, TI, TE, flip, echo spacing, readout pulses, inversion efficiency.</summary>
    Mprage,
    /// <summary>Phy-LDM simplified MPRAGE.</summary>
    PhyLdmMprage,
    /// <summary>Phy-LDM simplified spin echo.</summary>
    PhyLdmSpinEcho,
    /// <summary>Phy-LDM simplified FLAIR.</summary>
    PhyLdmFlair,
}

/// <summary>Parses the sequence names users type (`--sequence flair`).</summary>
public static class SequenceNames
{
    private static readonly Dictionary<string, SequenceKind> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["flash"] = SequenceKind.Flash, ["spgr"] = SequenceKind.Flash, ["gre"] = SequenceKind.Flash,
        ["se"] = SequenceKind.SpinEcho, ["spin-echo"] = SequenceKind.SpinEcho, ["tse"] = SequenceKind.SpinEcho,
        ["se-short-te"] = SequenceKind.SpinEchoShortTe,
        ["ir"] = SequenceKind.InversionRecovery, ["flair"] = SequenceKind.InversionRecovery, ["stir"] = SequenceKind.InversionRecovery,
        ["mprage"] = SequenceKind.Mprage,
        ["phyldm-mprage"] = SequenceKind.PhyLdmMprage, ["phyldm-se"] = SequenceKind.PhyLdmSpinEcho, ["phyldm-flair"] = SequenceKind.PhyLdmFlair,
    };

    public static IEnumerable<string> Known => ByName.Keys;

    public static SequenceKind Parse(string name) =>
        ByName.TryGetValue(name.Trim(), out var kind)
            ? kind
            : throw new ArgumentException($"--sequence: unknown sequence '{name}' (known: {string.Join(", ", ByName.Keys)})");
}
