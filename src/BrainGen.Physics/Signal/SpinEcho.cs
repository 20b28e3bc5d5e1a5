namespace BrainGen.Physics.Signal;

/// <summary>
/// Single-echo spin echo (90°–180°) with ideal pulses (reference notes section 2.2).
/// For turbo/fast spin echo use the effective TE (echo at the k-space centre).
/// </summary>
public static class SpinEcho
{
    /// <summary>
    /// Exact steady state: S = PD · [1 − 2 e^(−(TR − TE/2)/T1) + e^(−TR/T1)] · e^(−TE/T2).
    /// The middle term is the regrowth after the 180° refocusing pulse at TE/2 (magnitude output).
    /// </summary>
    public static double Exact(in TissueParameters tissue, double repetitionTime, double echoTime)
    {
        double longitudinal = 1 - 2 * Math.Exp(-(repetitionTime - echoTime / 2) / tissue.T1) + Math.Exp(-repetitionTime / tissue.T1);
        return Math.Abs(tissue.ProtonDensity * longitudinal * Math.Exp(-echoTime / tissue.T2));
    }

    /// <summary>The usual TE ≪ TR form: S = PD · (1 − e^(−TR/T1)) · e^(−TE/T2).</summary>
    public static double ShortEcho(in TissueParameters tissue, double repetitionTime, double echoTime) =>
        tissue.ProtonDensity * (1 - Math.Exp(-repetitionTime / tissue.T1)) * Math.Exp(-echoTime / tissue.T2);
}
