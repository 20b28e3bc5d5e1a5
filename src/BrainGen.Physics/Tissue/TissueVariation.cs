using BrainGen.Physics.Signal;

namespace BrainGen.Physics.Tissue;

/// <summary>
/// Per-subject tissue properties: literature values (<see cref="TissueTable"/>) × age trends ×
/// a subject-level log-normal random effect. The age model and spreads are the modelling assumptions
/// of reference notes sections 3.4–3.5, anchored on: Cho et al. MRI 1997 (T1 has a minimum in
/// mid-adulthood, then rises, WM first), Siemonsen et al. AJNR 2008 (T2* falls with age in deep GM),
/// Front Neurol 2019 (water content changes only slightly), Choi 2022 (cortical CoV 3.5% T1, 7.3% T2).
/// </summary>
public static class TissueVariation
{
    /// <summary>Between-subject coefficient of variation of PD, T1, T2, T2* (notes 3.4: 2%, 3–5%, 5–8%, ~6%).</summary>
    public static readonly (double Pd, double T1, double T2, double T2Star) SubjectCv = (0.02, 0.04, 0.06, 0.06);

    /// <summary>Multiplicative age factor of each property of a tissue (1 at age 40).</summary>
    public static (double Pd, double T1, double T2, double T2Star) AgeFactors(TissueClass tissue, double age)
    {
        double quadratic = Math.Pow(age - 40, 2) / (40.0 * 40.0);
        double after50 = Math.Max(0, age - 50), after40 = Math.Max(0, age - 40);
        return tissue switch
        {
            // T1 rises again after mid-life, WM more (demyelination); T2 of WM +0.15%/yr after 50.
            TissueClass.WhiteMatter => (1, 1 + 0.045 * quadratic, 1 + 0.0015 * after50, 1 + 0.001 * after50),
            // GM T1 rises less; iron deposition lowers T2* (−0.15%/yr averaged over cortex and deep GM).
            TissueClass.GreyMatter => (1, 1 + 0.03 * quadratic, 1 + 0.0005 * after50, 1 - 0.0015 * after40),
            _ => (1, 1, 1, 1),
        };
    }

    /// <summary>One subject's tissue parameters at one age; the random effect comes from <paramref name="random"/>.</summary>
    public static Dictionary<TissueClass, TissueParameters> ForSubject(TissueTable table, double age, DeterministicRandom random)
    {
        var result = new Dictionary<TissueClass, TissueParameters>();
        foreach (var (tissue, reference) in table.Tissues)
        {
            // Draw for every tissue (CSF and non-brain are kept fixed) so the stream layout never depends on the table.
            double zPd = random.NextGaussian(), zT1 = random.NextGaussian(), zT2 = random.NextGaussian(), zT2s = random.NextGaussian();
            if (tissue is TissueClass.Csf or TissueClass.NonBrain) { result[tissue] = reference; continue; }
            var trend = AgeFactors(tissue, age);
            result[tissue] = reference.Scale(
                trend.Pd * LogNormal(zPd, SubjectCv.Pd), trend.T1 * LogNormal(zT1, SubjectCv.T1),
                trend.T2 * LogNormal(zT2, SubjectCv.T2), trend.T2Star * LogNormal(zT2s, SubjectCv.T2Star));
        }
        // A subject's T2* can never exceed its T2 (1/T2* = 1/T2 + 1/T2').
        foreach (var tissue in result.Keys.ToList())
        {
            var p = result[tissue];
            if (p.T2Star > p.T2) result[tissue] = p with { T2Star = p.T2 };
        }
        return result;
    }

    /// <summary>exp(z·σ − σ²/2) with σ = sqrt(ln(1 + CV²)): a log-normal factor with mean 1 and the given CV.</summary>
    private static double LogNormal(double z, double cv)
    {
        double sigma = Math.Sqrt(Math.Log(1 + cv * cv));
        return Math.Exp(z * sigma - sigma * sigma / 2);
    }
}
