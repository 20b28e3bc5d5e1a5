namespace BrainGen.Physics.Signal;

/// <summary>
/// Spoiled gradient echo (FLASH / SPGR / T1-FFE) in the ideal-spoiling steady state
/// (Ernst and Anderson 1966; qMRLab VFA chapter; reference notes section 2.1):
/// S = PD · sin α · (1 − E1) / (1 − cos α · E1) · E2*, with E1 = e^(−TR/T1), E2* = e^(−TE/T2*).
/// </summary>
public static class SpoiledGradientEcho
{
    /// <summary>Steady-state magnitude signal. Times in ms, flip angle in degrees.</summary>
    public static double Signal(in TissueParameters tissue, double repetitionTime, double echoTime, double flipAngleDegrees)
    {
        double alpha = flipAngleDegrees * Math.PI / 180.0;
        double e1 = Math.Exp(-repetitionTime / tissue.T1);
        double e2Star = Math.Exp(-echoTime / tissue.T2Star);
        return Math.Abs(tissue.ProtonDensity * Math.Sin(alpha) * (1 - e1) / (1 - Math.Cos(alpha) * e1) * e2Star);
    }

    /// <summary>
    /// The Ernst angle α_E = arccos(e^(−TR/T1)): the flip angle that maximizes the FLASH signal of a
    /// tissue with this T1 at this TR. Degrees.
    /// </summary>
    public static double ErnstAngleDegrees(double t1, double repetitionTime) =>
        Math.Acos(Math.Exp(-repetitionTime / t1)) * 180.0 / Math.PI;

    /// <summary>
    /// The small-angle rational approximation of Helms and Dathe (Phys Med Biol 2010;55:4231):
    /// S ≈ PD · α · (TR/T1) / (α²/2 + TR/T1) · E2*, good for α and TR/T1 both small.
    /// </summary>
    public static double SmallAngleSignal(in TissueParameters tissue, double repetitionTime, double echoTime, double flipAngleDegrees)
    {
        double alpha = flipAngleDegrees * Math.PI / 180.0;
        double r = repetitionTime / tissue.T1;
        return tissue.ProtonDensity * alpha * r / (alpha * alpha / 2 + r) * Math.Exp(-echoTime / tissue.T2Star);
    }
}
