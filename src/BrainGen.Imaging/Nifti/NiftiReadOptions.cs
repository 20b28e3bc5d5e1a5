namespace BrainGen.Imaging;

/// <summary>How strict the NIfTI reader is; the defaults suit training data.</summary>
public sealed record NiftiReadOptions
{
    public static NiftiReadOptions Default { get; } = new();

    /// <summary>
    /// Accept an sform whose voxel axes are not orthogonal (a sheared registration). Off by default:
    /// BrainGen writes rigid transforms only, and ITK-based tools would silently use the qform.
    /// </summary>
    public bool AllowShearedSform { get; init; }

    /// <summary>Largest |cosine| between sform axes still called orthogonal (float32 rounding is ~1e-7).</summary>
    public double ShearTolerance { get; init; } = 1e-4;

    /// <summary>Refuse any single 3D volume whose decoded voxels would exceed this many bytes.</summary>
    public long MaxVolumeBytes { get; init; } = 8L << 30;

    /// <summary>Refuse header extensions totalling more than this (CIFTI tables run to a few MB).</summary>
    public long MaxExtensionBytes { get; init; } = 64L << 20;
}
