namespace BrainGen.Physics.Signal;

/// <summary>The timing of one MPRAGE shot: inversion, delay TI1, a FLASH readout train of N pulses, delay TD.</summary>
/// <param name="RepetitionTime">Inversion-to-inversion time TR_seq, ms.</param>
/// <param name="InversionTime">Inversion to the k-space centre readout pulse, ms.</param>
/// <param name="EchoTime">TE of each gradient echo, ms.</param>
/// <param name="FlipAngleDegrees">Readout flip angle α.</param>
/// <param name="EchoSpacing">Time between readout pulses ES, ms.</param>
/// <param name="ReadoutPulses">Pulses per shot N (partitions per inversion).</param>
/// <param name="InversionEfficiency">η: 1 = perfect inversion (Mz → −Mz).</param>
/// <param name="CentreFraction">Position of the k-space centre in the train: 0.5 = linear ordering, 0 = centric.</param>
public readonly record struct MprageTiming(
    double RepetitionTime, double InversionTime, double EchoTime, double FlipAngleDegrees,
    double EchoSpacing, int ReadoutPulses, double InversionEfficiency = 1.0, double CentreFraction = 0.5)
{
    /// <summary>Index k0 of the readout pulse that samples the k-space centre.</summary>
    public int CentrePulse => (int)Math.Round(CentreFraction * ReadoutPulses);

    /// <summary>Throws when the shot does not fit: TI1 = TI − k0·ES and TD = TR − TI1 − N·ES must be ≥ 0.</summary>
    public void Validate()
    {
        if (ReadoutPulses < 1) throw new ArgumentException($"MPRAGE readout pulses must be >= 1, got {ReadoutPulses}");
        if (!(EchoSpacing > 0)) throw new ArgumentException($"MPRAGE echo spacing must be > 0 ms, got {EchoSpacing}");
        if (!(InversionEfficiency is > 0 and <= 1)) throw new ArgumentException($"MPRAGE inversion efficiency must be in (0, 1], got {InversionEfficiency}");
        double ti1 = InversionTime - CentrePulse * EchoSpacing;
        double td = RepetitionTime - ti1 - ReadoutPulses * EchoSpacing;
        if (ti1 < 0) throw new ArgumentException($"MPRAGE TI {InversionTime} ms is shorter than the readout before the k-space centre ({CentrePulse} × {EchoSpacing} ms)");
        if (td < 0) throw new ArgumentException($"MPRAGE TR {RepetitionTime} ms is shorter than TI1 + N·ES = {ti1 + ReadoutPulses * EchoSpacing:0.#} ms");
    }
}

/// <summary>
/// MPRAGE in the closed form of Deichmann et al. 2000 (NeuroImage 12:112, appendix) as restated by
/// Wang et al. 2014 (PLoS ONE 9:e96899); reference notes section 2.4. The magnetization recovers with
/// T1 during the delays and with the apparent T1* towards M0* during the FLASH readout train; the
/// steady state over shots gives Mz before the first readout pulse, then the k-space-centre pulse.
/// </summary>
public static class Mprage
{
    /// <summary>Magnitude signal at the k-space centre: S = |M(k0)| · sin α · e^(−TE/T2*).</summary>
    public static double Signal(in TissueParameters tissue, in MprageTiming timing)
    {
        double m0 = tissue.ProtonDensity, t1 = tissue.T1, es = timing.EchoSpacing;
        double alpha = timing.FlipAngleDegrees * Math.PI / 180.0;
        int k0 = timing.CentrePulse;
        double tau = timing.ReadoutPulses * es;
        double ti1 = timing.InversionTime - k0 * es;
        double td = timing.RepetitionTime - ti1 - tau;

        double t1Star = ApparentT1(t1, alpha, es);
        double m0Star = m0 * (1 - Math.Exp(-es / t1)) / (1 - Math.Exp(-es / t1Star));

        // Each period is an affine map M → A + B·M; the shot is their composition.
        double b1 = Math.Exp(-tau / t1Star), a1 = m0Star * (1 - b1);                          // readout train
        double b2 = Math.Exp(-td / t1), a2 = m0 * (1 - b2);                                   // delay TD
        double e3 = Math.Exp(-ti1 / t1), a3 = m0 * (1 - e3), b3 = -timing.InversionEfficiency * e3; // inversion + TI1

        double beforeReadout = (a3 + b3 * a2 + b3 * b2 * a1) / (1 - b1 * b2 * b3);
        double atCentre = m0Star + (beforeReadout - m0Star) * Math.Exp(-k0 * es / t1Star);
        return Math.Abs(atCentre) * Math.Sin(alpha) * Math.Exp(-timing.EchoTime / tissue.T2Star);
    }

    /// <summary>1/T1* = 1/T1 − ln(cos α)/ES: recovery during a train of α pulses spaced ES apart.</summary>
    public static double ApparentT1(double t1, double flipAngleRadians, double echoSpacing) =>
        1.0 / (1.0 / t1 - Math.Log(Math.Cos(flipAngleRadians)) / echoSpacing);
}
