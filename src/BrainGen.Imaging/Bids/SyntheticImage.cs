namespace BrainGen.Imaging;

/// <summary>
/// One generated image for a BIDS derivative dataset: where it belongs (subject, session, suffix,
/// optional desc-), the volume, and the provenance that goes into its JSON sidecar.
/// </summary>
public sealed record SyntheticImage
{
    public required string Subject { get; init; }
    public string? Session { get; init; }

    /// <summary>BIDS suffix: T1w, T2w, FLAIR, PDw, or a parametric map such as T1map.</summary>
    public required string Suffix { get; init; }

    /// <summary>Optional desc- entity, e.g. "synth" to tell variants apart.</summary>
    public string? Description { get; init; }

    public required Volume Volume { get; init; }
    public NiftiDataType DataType { get; init; } = NiftiDataType.Float32;

    /// <summary>The random seed this image was generated from (recorded in the sidecar).</summary>
    public required long Seed { get; init; }

    /// <summary>Generation parameters (sampler, steps, guidance, conditioning, checkpoint hash, ...).</summary>
    public IReadOnlyDictionary<string, object?> Parameters { get; init; } = new Dictionary<string, object?>();
}
