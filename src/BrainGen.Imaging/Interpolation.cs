namespace BrainGen.Imaging;

/// <summary>How resampling reads between voxels.</summary>
public enum Interpolation
{
    /// <summary>Trilinear: for intensity images.</summary>
    Trilinear,

    /// <summary>Nearest neighbour: for label maps and masks, never invents labels.</summary>
    Nearest,
}
