using BrainGen.Physics.Tissue;

namespace BrainGen.Physics.Segmentation;

/// <summary>Which weighting the image has, which fixes the intensity order of CSF, GM and WM.</summary>
public enum TissueContrast { T1w, T2w, Flair, PDw }

/// <summary>Settings of the FAST-like segmentation; the defaults are what the accuracy tests use.</summary>
/// <param name="Contrast">Image weighting (intensity order of the tissues).</param>
/// <param name="MrfBeta">Potts β per 6-neighbour (FAST's -H plays this role); 0 disables the spatial prior.</param>
/// <param name="BiasCorrection">Estimate and remove a smooth multiplicative bias field.</param>
/// <param name="BiasOrder">Polynomial order of the bias field (3: 20 smooth terms, about FAST's 20 mm low-pass over a brain).</param>
/// <param name="BiasIterations">Outer loops of (bias, EM) (FAST -I 4).</param>
/// <param name="EmIterationsPerBias">Mean-field EM sweeps after each bias update.</param>
/// <param name="FinalIterations">EM sweeps after the last bias update (FAST -O 4).</param>
/// <param name="PartialVolume">Report partial-volume fractions (FAST pve_*) instead of plain posteriors.</param>
/// <param name="MixelPrior">Prior weight of CSF/WM mixels (ventricle walls) relative to GM/WM mixels; the other mixel weights come from the histogram fit.</param>
public sealed record SegmentationOptions(
    TissueContrast Contrast = TissueContrast.T1w,
    double MrfBeta = 0.5,
    bool BiasCorrection = true,
    int BiasOrder = 3,
    int BiasIterations = 4,
    int EmIterationsPerBias = 3,
    int FinalIterations = 5,
    bool PartialVolume = true,
    double MixelPrior = 1.0)
{
    /// <summary>Tissues in order of increasing intensity for this contrast (signal models at 3 T, notes section 2.4).</summary>
    public TissueClass[] IntensityOrder => Contrast switch
    {
        TissueContrast.T1w => [TissueClass.Csf, TissueClass.GreyMatter, TissueClass.WhiteMatter],
        TissueContrast.T2w => [TissueClass.WhiteMatter, TissueClass.GreyMatter, TissueClass.Csf],
        TissueContrast.Flair => [TissueClass.Csf, TissueClass.WhiteMatter, TissueClass.GreyMatter],
        TissueContrast.PDw => [TissueClass.Csf, TissueClass.WhiteMatter, TissueClass.GreyMatter],
        _ => throw new ArgumentOutOfRangeException(nameof(Contrast)),
    };

    public void Validate()
    {
        if (!(MrfBeta >= 0)) throw new ArgumentException($"--beta must be >= 0, got {MrfBeta}");
        if (BiasOrder is < 0 or > 6) throw new ArgumentException($"--bias-order must be in 0..6, got {BiasOrder}");
        if (BiasIterations < 0 || EmIterationsPerBias < 1 || FinalIterations < 1)
            throw new ArgumentException("segmentation iteration counts must be positive");
    }

    public static TissueContrast ParseContrast(string name) => name.Trim().ToLowerInvariant() switch
    {
        "t1w" or "t1" => TissueContrast.T1w,
        "t2w" or "t2" => TissueContrast.T2w,
        "flair" => TissueContrast.Flair,
        "pdw" or "pd" => TissueContrast.PDw,
        _ => throw new ArgumentException($"--contrast: unknown contrast '{name}' (known: t1w, t2w, flair, pdw)"),
    };
}
