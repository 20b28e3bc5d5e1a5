namespace BrainGen.Torch.Serialization;

/// <summary>How permissive and how large a <see cref="PthFile"/> read may be.</summary>
public sealed record PthReadOptions
{
    /// <summary>Strict: tensors, storages and plain containers only.</summary>
    public static PthReadOptions Default { get; } = new();

    /// <summary>For MONAI and Lightning checkpoints: numpy scalars read as plain numbers.</summary>
    public static PthReadOptions Tolerant { get; } = new() { AllowNumpyScalars = true };

    /// <summary>
    /// Accept <c>numpy.core.multiarray.scalar</c> and <c>numpy.dtype</c> (numeric and bool only),
    /// decoded in C# to double, long or bool. Off by default so that a file claiming to be a
    /// plain state_dict is exactly that.
    /// </summary>
    public bool AllowNumpyScalars { get; init; }

    /// <summary>
    /// Most bytes all tensors together may occupy once materialized. Views of one storage each
    /// become their own tensor, so a small file can describe far more; null means twice the
    /// file length plus 256 MiB.
    /// </summary>
    public long? MaxTensorBytes { get; init; }

    /// <summary>Most values the pickle may create (a state_dict takes about 15 per tensor).</summary>
    public int MaxPickleObjects { get; init; } = 5_000_000;

    /// <summary>Largest <c>data.pkl</c> accepted; real ones are kilobytes to a few megabytes.</summary>
    public int MaxPickleBytes { get; init; } = 256 << 20;

    internal long TensorBudget(long fileLength) =>
        MaxTensorBytes ?? checked(2 * fileLength + (256L << 20));
}
