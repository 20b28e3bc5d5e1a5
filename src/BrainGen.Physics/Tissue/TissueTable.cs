using BrainGen.Physics.Signal;

namespace BrainGen.Physics.Tissue;

/// <summary>
/// Literature tissue properties at one field strength (PD relative to water; T1, T2, T2* in ms).
/// Values and their sources are listed in docs/physics.md (reference notes section 3). One reference
/// set is used consistently per field, because between-method spread of T1 (0.6–1.1 s for WM at 3T,
/// Assländer 2024) dwarfs between-subject spread.
/// </summary>
public sealed record TissueTable(double FieldStrengthTesla, IReadOnlyDictionary<TissueClass, TissueParameters> Tissues,
                                 IReadOnlyDictionary<TissueClass, string> Sources)
{
    public TissueParameters this[TissueClass tissue] => Tissues[tissue];

    /// <summary>
    /// 3 T. WM/GM T1 and T2: Wansapura et al. JMRI 1999;9:531. T2*: Peters et al. MRI 2007;25:748.
    /// PD: brain water content (Front Neurol 2019;10:1333). CSF T1: 4300 ms (commonly assumed; GE
    /// constant 4270; Lu et al. 2005 measured 3817 ± 424), chosen so the standard FLAIR TIs
    /// (2500 ms at TR 9000, 1800 ms at TR 5000) null it as on real scanners. CSF T2: 1500 ms
    /// (vendor/phantom constants; in-vivo 503 ms of Piechnik 2009 is lowered by flow and partial volume).
    /// Non-brain head tissue: subcutaneous fat, de Bazelaire et al. Radiology 2004;230:652.
    /// </summary>
    public static TissueTable At3T { get; } = new(3.0,
        new Dictionary<TissueClass, TissueParameters>
        {
            [TissueClass.Csf] = new(1.00, 4300, 1500, 1000),
            [TissueClass.GreyMatter] = new(0.837, 1331, 110, 66.0),
            [TissueClass.WhiteMatter] = new(0.69, 832, 79.2, 53.2),
            [TissueClass.NonBrain] = new(0.90, 382, 68, 35),
        },
        new Dictionary<TissueClass, string>
        {
            [TissueClass.Csf] = "T1 4300 (GE 4270; Lu 2005 3817±424); T2 1500 (vendor constants; Piechnik 2009 in vivo 503); PD 1",
            [TissueClass.GreyMatter] = "T1 1331, T2 110 (Wansapura 1999); T2* 66.0 (Peters 2007); PD 0.837 (water content, Front Neurol 2019)",
            [TissueClass.WhiteMatter] = "T1 832, T2 79.2 (Wansapura 1999); T2* 53.2 (Peters 2007); PD 0.69 (water content, Front Neurol 2019)",
            [TissueClass.NonBrain] = "subcutaneous fat T1 382, T2 68 (de Bazelaire 2004); PD 0.9; T2* assumed 35",
        });

    /// <summary>
    /// 1.5 T. WM/GM T1: Rooney et al. MRM 2007;57:308 (656/1188 via Visser). T2: Wehrli/Yacoub via
    /// Visser (74/87). T2*: Peters 2007 (66.2/84.0). CSF: Rooney T1 4329, Helms T2 2280.
    /// Non-brain: fat T1 260 (MRIQuestions), T2 70.
    /// </summary>
    public static TissueTable At1p5T { get; } = new(1.5,
        new Dictionary<TissueClass, TissueParameters>
        {
            [TissueClass.Csf] = new(1.00, 4329, 2280, 1000),
            [TissueClass.GreyMatter] = new(0.837, 1188, 87, 84.0),
            [TissueClass.WhiteMatter] = new(0.69, 656, 74, 66.2),
            [TissueClass.NonBrain] = new(0.90, 260, 70, 45),
        },
        new Dictionary<TissueClass, string>
        {
            [TissueClass.Csf] = "T1 4329 (Rooney 2007); T2 2280 (Helms); PD 1",
            [TissueClass.GreyMatter] = "T1 1188 (Rooney 2007); T2 87 (Wehrli); T2* 84.0 (Peters 2007); PD 0.837",
            [TissueClass.WhiteMatter] = "T1 656 (Rooney 2007); T2 74 (Wehrli); T2* 66.2 (Peters 2007); PD 0.69",
            [TissueClass.NonBrain] = "fat T1 260 (MRIQuestions), T2 70; PD 0.9; T2* assumed 45",
        });

    /// <summary>The table for 1.5 T or 3 T (±0.25 T); other fields have no validated table here.</summary>
    public static TissueTable ForField(double tesla)
    {
        if (Math.Abs(tesla - 3.0) <= 0.25) return At3T;
        if (Math.Abs(tesla - 1.5) <= 0.25) return At1p5T;
        throw new ArgumentException($"--field: tissue tables exist for 1.5 T and 3 T, got {tesla} T");
    }
}
