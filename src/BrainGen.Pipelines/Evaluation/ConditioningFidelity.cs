using BrainGen.Imaging;
using BrainGen.Physics.Phantom;
using BrainGen.Physics.Segmentation;

namespace BrainGen.Pipelines.Evaluation;

/// <summary>
/// Whether generated images have what was asked for (Pinaya et al. 2022, §3.2: requested vs measured
/// ventricle volume, and age from an age predictor, compared by Pearson correlation). Covariate
/// names are matched case-insensitively in the order listed: BrainGen's names (mL), the MONAI
/// brain-LDM bundle's (normalized 0..1, so only the correlation is meaningful), and generic ones.
/// </summary>
public static class ConditioningFidelity
{
    public static readonly string[] BrainVolumeNames = ["brain_volume_ml", "brain_volume", "brain_vol"];
    public static readonly string[] VentricleVolumeNames = ["ventricle_volume_ml", "ventricle_volume", "ventricular_volume_ml", "ventricular_vol"];
    public static readonly string[] AgeNames = ["age"];

    /// <summary>The first of <paramref name="names"/> that the images carry as a number, or null.</summary>
    public static string? MatchCovariate(IEnumerable<EvaluationImage> images, string[] names) =>
        names.FirstOrDefault(n => images.Any(i => i.Number(n) is not null));

    /// <summary>A requested value is in mL (so an MAE against measured mL means something) when its name says so.</summary>
    public static bool IsMillilitres(string covariate) => covariate.EndsWith("_ml", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Total brain (GM + WM) and lateral-ventricle volume in mL, measured as `braingen volumes` does:
    /// FAST-like T1w segmentation (MRF β 0.5, bias correction) of the skull-stripped image and the
    /// Colin27 ventricle atlas.
    /// </summary>
    public static BrainVolumes MeasureVolumes(Volume image, VentricleAtlas atlas)
    {
        var segmentation = TissueSegmenter.Segment(image.Data, Colin27Template.GridOf(image), null, new SegmentationOptions(TissueContrast.T1w, 0.5, true));
        return BrainVolumes.Measure(segmentation, image.Affine, atlas);
    }

    /// <summary>Pearson's r, or null with fewer than three pairs or a constant side (r is then undefined).</summary>
    public static double? Pearson(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count) throw new ArgumentException($"Pearson: {a.Count} vs {b.Count} values");
        if (a.Count < 3) return null;
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Count; i++)
        {
            double da = a[i] - ma, db = b[i] - mb;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
        }
        return saa > 0 && sbb > 0 ? sab / Math.Sqrt(saa * sbb) : null;
    }

    public static double MeanAbsoluteError(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count || a.Count == 0) throw new ArgumentException($"MAE: {a.Count} vs {b.Count} values");
        return a.Zip(b).Average(p => Math.Abs(p.First - p.Second));
    }
}
