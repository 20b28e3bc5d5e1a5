namespace BrainGen.Imaging;

/// <summary>Which side of the image shows the subject's left in axial and coronal views.</summary>
public enum DisplayConvention
{
    /// <summary>Subject's left on the image's left, as if looking from above/behind (MRIcroGL, nilearn).</summary>
    Neurological,

    /// <summary>Subject's left on the image's right, as if facing the patient (radiology reading rooms).</summary>
    Radiological,
}

/// <summary>How a preview is drawn; the defaults give ~256-pixel panels through the volume centre.</summary>
public sealed record PreviewOptions
{
    /// <summary>Slice through this world point (mm, RAS+); wins over <see cref="VoxelPoint"/>.</summary>
    public double[]? WorldPoint { get; init; }

    /// <summary>Slice through this voxel of the input volume (its own index space).</summary>
    public int[]? VoxelPoint { get; init; }

    public DisplayConvention Convention { get; init; } = DisplayConvention.Neurological;

    /// <summary>Intensity window; when null, the 0.5th and 99.5th percentiles of the volume.</summary>
    public float? WindowMin { get; init; }

    public float? WindowMax { get; init; }

    /// <summary>Pixels along the longest physical extent of the volume (<see cref="MinPanelPixels"/> to <see cref="MaxPanelPixels"/>).</summary>
    public int PanelPixels { get; init; } = 256;

    public const int MinPanelPixels = 16;

    /// <summary>A 4096-pixel panel is already a 150 MB canvas of three panels; larger sizes are refused before rendering.</summary>
    public const int MaxPanelPixels = 4096;

    public bool Crosshair { get; init; } = true;

    /// <summary>Text drawn above the panels (the montage uses each volume's label).</summary>
    public string? Title { get; init; }

    /// <summary>Whether to print the convention and slice point under the panels.</summary>
    public bool Caption { get; init; } = true;
}
