namespace BrainGen.Physics.Signal;

/// <summary>
/// The simplified signal equations of the physics-informed LDM (Lüpke et al. 2024, arXiv 2409.13532;
/// code `models.py::MRSignalModel`; reference notes section 1.3). No flip angle, no readout train;
/// all three use T2 (not T2*). Gain G = 1. We return magnitudes (the original code does not).
/// </summary>
public static class PhyLdmSignal
{
    /// <summary>S = PD · |1 − 2 e^(−TI/T1) / (1 + e^(−TR/T1))| · e^(−TE/T2): IR steady state with a non-perturbing readout (MPRAGE as α → 0).</summary>
    public static double Mprage(in TissueParameters tissue, double repetitionTime, double echoTime, double inversionTime) =>
        Math.Abs(tissue.ProtonDensity * (1 - 2 * Math.Exp(-inversionTime / tissue.T1) / (1 + Math.Exp(-repetitionTime / tissue.T1))))
        * Math.Exp(-echoTime / tissue.T2);

    /// <summary>S = PD · (1 − e^(−TR/T1)) · e^(−TE/T2).</summary>
    public static double SpinEcho(in TissueParameters tissue, double repetitionTime, double echoTime) =>
        tissue.ProtonDensity * (1 - Math.Exp(-repetitionTime / tissue.T1)) * Math.Exp(-echoTime / tissue.T2);

    /// <summary>S = PD · |1 − 2 e^(−TI/T1) + e^(−TR/T1)| · e^(−TE/T2): IR with saturation at the excitation.</summary>
    public static double Flair(in TissueParameters tissue, double repetitionTime, double echoTime, double inversionTime) =>
        Math.Abs(tissue.ProtonDensity * (1 - 2 * Math.Exp(-inversionTime / tissue.T1) + Math.Exp(-repetitionTime / tissue.T1)))
        * Math.Exp(-echoTime / tissue.T2);
}
