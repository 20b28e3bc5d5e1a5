namespace BrainGen.Physics.Signal;

/// <summary>
/// Inversion recovery (IR, FLAIR, STIR) with magnitude reconstruction (qMRLab inversion-recovery
/// chapter; reference notes section 2.3). Mz is taken just before the excitation at TI after the
/// inversion; a spin-echo readout then weights it by e^(−TE/T2).
/// </summary>
public static class InversionRecovery
{
    /// <summary>
    /// General steady state with imperfect pulses (θ180 inversion, θ90 excitation):
    /// Mz = PD · [1 − cos θ180 · E1 − (1 − cos θ180) e^(−TI/T1)] / [1 − cos θ180 cos θ90 E1], S = |Mz| · e^(−TE/T2).
    /// </summary>
    public static double General(in TissueParameters tissue, double repetitionTime, double echoTime, double inversionTime,
                                 double inversionAngleDegrees = 180, double excitationAngleDegrees = 90)
    {
        double cosInv = Math.Cos(inversionAngleDegrees * Math.PI / 180.0);
        double cosExc = Math.Cos(excitationAngleDegrees * Math.PI / 180.0);
        double e1 = Math.Exp(-repetitionTime / tissue.T1);
        double ei = Math.Exp(-inversionTime / tissue.T1);
        double mz = tissue.ProtonDensity * (1 - cosInv * e1 - (1 - cosInv) * ei) / (1 - cosInv * cosExc * e1);
        return Math.Abs(mz) * Math.Exp(-echoTime / tissue.T2);
    }

    /// <summary>Ideal pulses: S = PD · |1 − 2 e^(−TI/T1) + e^(−TR/T1)| · e^(−TE/T2).</summary>
    public static double Ideal(in TissueParameters tissue, double repetitionTime, double echoTime, double inversionTime)
    {
        double mz = 1 - 2 * Math.Exp(-inversionTime / tissue.T1) + Math.Exp(-repetitionTime / tissue.T1);
        return Math.Abs(tissue.ProtonDensity * mz) * Math.Exp(-echoTime / tissue.T2);
    }

    /// <summary>Long-TR limit (TR ≫ T1): S = PD · |1 − 2 e^(−TI/T1)| · e^(−TE/T2).</summary>
    public static double LongRepetition(in TissueParameters tissue, double echoTime, double inversionTime) =>
        Math.Abs(tissue.ProtonDensity * (1 - 2 * Math.Exp(-inversionTime / tissue.T1))) * Math.Exp(-echoTime / tissue.T2);

    /// <summary>
    /// The inversion time that nulls a tissue of this T1 with ideal pulses at this TR:
    /// TI = T1 · ln(2 / (1 + e^(−TR/T1))), from setting 1 − 2 e^(−TI/T1) + e^(−TR/T1) = 0.
    /// (→ T1 · ln 2 for TR ≫ T1.) For FLAIR pass T1 of CSF.
    /// </summary>
    public static double NullInversionTime(double t1, double repetitionTime) =>
        t1 * Math.Log(2.0 / (1.0 + Math.Exp(-repetitionTime / t1)));
}
