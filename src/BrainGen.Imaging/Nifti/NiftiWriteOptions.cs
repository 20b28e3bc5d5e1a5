namespace BrainGen.Imaging;

/// <summary>Choices for writing NIfTI files; the defaults give small, reproducible, widely readable files.</summary>
public sealed record NiftiWriteOptions
{
    public static NiftiWriteOptions Default { get; } = new();

    /// <summary>1 or 2; 0 picks NIfTI-1 unless a dimension exceeds 32767.</summary>
    public int Version { get; init; }

    /// <summary>
    /// gzip level for .gz paths. .NET's zlib-ng level 1 is its fastest and gives files ~15-30% larger
    /// than nibabel's (zlib level 1); level 2 gives files about as small as nibabel's (docs/performance.md).
    /// </summary>
    public int CompressionLevel { get; init; } = 1;

    /// <summary>Largest |cosine| between affine axes still written as rigid (float32 rounding is ~1e-7).</summary>
    public double ShearTolerance { get; init; } = 1e-4;
}
