using BrainGen.Physics.Tissue;

namespace BrainGen.Physics.Signal;

/// <summary>
/// Names the weighting of a protocol from what it does to the three brain tissues (literature
/// values at its field strength), so a custom `--sequence se --tr 4000 --te 100` is filed as T2w.
/// </summary>
public static class ContrastWeighting
{
    public static string InferSuffix(MrProtocol protocol)
    {
        var table = TissueTable.ForField(Math.Abs(protocol.FieldStrengthTesla - 1.5) < 0.75 ? 1.5 : 3.0);
        var (csf, gm, wm) = TissueSignals(protocol, table);
        double brightest = Math.Max(csf, Math.Max(gm, wm));
        if (brightest <= 0) return "MR";
        if (protocol.UsesInversion && csf < 0.25 * brightest && gm > wm) return "FLAIR";
        if (wm > gm && gm > csf) return "T1w";
        if (csf >= brightest && csf > 1.15 * gm) return protocol.Sequence == SequenceKind.Flash ? "T2starw" : "T2w";
        return "PDw";
    }

    /// <summary>Signals of pure CSF, GM and WM under a protocol.</summary>
    public static (double Csf, double Gm, double Wm) TissueSignals(MrProtocol protocol, TissueTable table) =>
        (protocol.Signal(table[TissueClass.Csf]), protocol.Signal(table[TissueClass.GreyMatter]), protocol.Signal(table[TissueClass.WhiteMatter]));
}
