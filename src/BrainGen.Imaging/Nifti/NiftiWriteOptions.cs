namespace BrainGen.Imaging;

/// <summary>Choices for writing NIfTI files; the defaults give small, reproducible, widely readable files.</summary>
public sealed record NiftiWriteOptions
{
    public static NiftiWriteOptions Default { get; } = new();

    /// <summary>1 or 2; 0 picks NIfTI-1 unless a dimension exceeds 32767.</summary>
    public int Version { get; init; }

    /// <summary>
    /// gzip level for .gz paths (0-9). The default, 2, gives files about the size of nibabel's (which
    /// writes zlib level 1) at about nibabel's speed. .NET bundles zlib-ng, whose level 1 is a different,
    /// faster algorithm with files 15-30% larger: set 1 for scratch files where write speed matters more
    /// than disk. Generated datasets are written once and kept, so their size is the default's concern
    /// (docs/performance.md has the measurements).
    /// </summary>
    public int CompressionLevel { get; init; } = 2;

    /// <summary>Largest |cosine| between affine axes still written as rigid (float32 rounding is ~1e-7).</summary>
    public double ShearTolerance { get; init; } = 1e-4;
}
