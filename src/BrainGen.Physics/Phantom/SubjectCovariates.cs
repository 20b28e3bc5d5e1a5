namespace BrainGen.Physics.Phantom;

/// <summary>
/// The covariates and target volumes of one phantom subject at baseline. The sampling model is the
/// one proposed in reference notes section 4.4 (a modelling assumption anchored on published numbers):
/// sex ~ Bernoulli(0.5); age ~ U(min, max); ICV ~ N(1469, 102²) mL for men, N(1289, 111²) for women
/// (Matsumae 1996); brain parenchymal fraction BPF(age) = 0.886 − 0.0025·(age − 40)₊ − 0.00004·(age − 60)₊²
/// + N(0, 0.02²) (Matsumae 1996; Fotenos 2005 rates); ventricles log-normal with median 22 mL (men) /
/// 18 mL (women) until 55, ×e^(0.035·(age − 55)) after, log-SD 0.4 (Yamada 2023; Neurosci Lett 2006).
/// Colin27 is taken as a man of 25: the head is scaled by the sampled ICV over Colin27's own, and the
/// brain by BPF/BPF(25) of Colin27's brain. (Colin27's brain/ICV is 0.954, not BPF(25) = 0.886: ch2bet
/// lacks the subarachnoid CSF; docs/physics.md section 3.)
/// </summary>
public sealed record SubjectCovariates(int Index, string Sex, double Age, double IntracranialTargetMl, double BrainRatio, double VentricleTargetMl,
                                       double BrainAtrophyPerYear, double VentricleGrowthPerYear)
{
    public const double TemplateAge = 25;

    /// <summary>The per-axis head scale that takes a template with this ICV to the subject's.</summary>
    public double HeadScale(double templateIntracranialMl) => Math.Cbrt(IntracranialTargetMl / templateIntracranialMl);

    public static double BrainFraction(double age) =>
        0.886 - 0.0025 * Math.Max(0, age - 40) - 0.00004 * Math.Pow(Math.Max(0, age - 60), 2);

    public static double VentricleMedianMl(string sex, double age) =>
        (sex == "M" ? 22.0 : 18.0) * Math.Exp(0.035 * Math.Max(0, age - 55));

    public static SubjectCovariates Sample(int index, DeterministicRandom random, double minAge, double maxAge)
    {
        string sex = random.Bernoulli(0.5) ? "M" : "F";
        double age = Math.Round(random.Uniform(minAge, maxAge), 1);
        double icv = sex == "M" ? random.Gaussian(1469, 102) : random.Gaussian(1289, 111);
        icv = Math.Clamp(icv, 1000, 1900);
        double bpf = BrainFraction(age) + Math.Clamp(random.Gaussian(0, 0.02), -0.05, 0.05);
        double ventricles = VentricleMedianMl(sex, age) * Math.Exp(Math.Clamp(random.Gaussian(0, 0.4), -1.0, 1.0));
        // Longitudinal rates for healthy ageing (notes 4.4): brain −0.2…−0.5%/yr, ventricles +2…5%/yr.
        double atrophy = Math.Clamp(random.Gaussian(0.0045, 0.0015), 0.001, 0.01);
        double growth = Math.Clamp(random.Gaussian(0.03, 0.01), 0.005, 0.07);
        return new SubjectCovariates(index, sex, age, icv, bpf / BrainFraction(TemplateAge),
                                     ventricles, atrophy, growth);
    }
}
