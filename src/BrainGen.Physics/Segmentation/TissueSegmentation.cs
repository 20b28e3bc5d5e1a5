using BrainGen.Physics.Tissue;

namespace BrainGen.Physics.Segmentation;

/// <summary>
/// The result of segmenting one image: per-tissue soft maps on the full grid (partial-volume fractions
/// when enabled, else MRF posteriors; zero outside the mask), the estimated bias field, and the fitted
/// class intensities.
/// </summary>
public sealed class TissueSegmentation
{
    public required VoxelGrid Grid { get; init; }
    public required bool[] Mask { get; init; }
    /// <summary>Soft map per brain tissue (CSF, GM, WM), full grid.</summary>
    public required IReadOnlyDictionary<TissueClass, float[]> Probabilities { get; init; }
    /// <summary>The image divided by the bias field inside the mask, 0 outside (FAST's restored image).</summary>
    public required float[] CorrectedImage { get; init; }
    /// <summary>Multiplicative bias field (1 where not estimated or outside the mask).</summary>
    public required float[] BiasField { get; init; }
    /// <summary>Mean bias-corrected intensity of each tissue.</summary>
    public required IReadOnlyDictionary<TissueClass, double> Means { get; init; }
    /// <summary>Intensity standard deviation of each tissue.</summary>
    public required IReadOnlyDictionary<TissueClass, double> StandardDeviations { get; init; }

    public float[] this[TissueClass tissue] => Probabilities[tissue];

    /// <summary>Σ p·ΔV of one tissue, mL.</summary>
    public double VolumeMl(TissueClass tissue)
    {
        double sum = 0;
        foreach (var p in Probabilities[tissue]) sum += p;
        return sum * Grid.VoxelVolumeMl;
    }

    /// <summary>Hard labels: 0 outside the mask, else 1 + the most probable tissue (1 CSF, 2 GM, 3 WM), FAST's seg convention.</summary>
    public float[] HardLabels()
    {
        var labels = new float[Grid.Count];
        var csf = Probabilities[TissueClass.Csf];
        var gm = Probabilities[TissueClass.GreyMatter];
        var wm = Probabilities[TissueClass.WhiteMatter];
        for (int i = 0; i < labels.Length; i++)
        {
            if (!Mask[i]) continue;
            labels[i] = csf[i] >= gm[i] && csf[i] >= wm[i] ? 1 : gm[i] >= wm[i] ? 2 : 3;
        }
        return labels;
    }
}
