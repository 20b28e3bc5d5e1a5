namespace BrainGen.Torch.Serialization;

/// <summary>
/// The safetensors spelling of each <see cref="DType"/>, and the writer's ordering rank.
/// </summary>
internal static class SafeTensorsDType
{
    // Position in huggingface/safetensors `enum Dtype` (increasing alignment). Its writer sorts
    // tensors by this, descending, so wide types come first and stay aligned in the buffer.
    private static readonly DType[] AlignmentOrder =
    [
        DType.Bool, DType.UInt8, DType.Int8, DType.Int16, DType.Float16, DType.BFloat16,
        DType.Int32, DType.Float32, DType.Float64, DType.Int64,
    ];

    // Names the format defines that BrainGen has no DType for: told apart from typos so the
    // message can say "not supported" rather than "unknown".
    private static readonly HashSet<string> DefinedButUnsupported = new(StringComparer.Ordinal)
    {
        "U16", "U32", "U64", "C64", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ",
        "F4", "F6_E2M3", "F6_E3M2",
    };

    public const string SupportedList = "BOOL, U8, I8, I16, I32, I64, F16, BF16, F32, F64";

    public static string ToName(DType dtype) => dtype switch
    {
        DType.Bool => "BOOL",
        DType.UInt8 => "U8",
        DType.Int8 => "I8",
        DType.Int16 => "I16",
        DType.Int32 => "I32",
        DType.Int64 => "I64",
        DType.Float16 => "F16",
        DType.BFloat16 => "BF16",
        DType.Float32 => "F32",
        DType.Float64 => "F64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "dtype has no safetensors name"),
    };

    public static bool TryParse(string name, out DType dtype)
    {
        dtype = name switch
        {
            "BOOL" => DType.Bool,
            "U8" => DType.UInt8,
            "I8" => DType.Int8,
            "I16" => DType.Int16,
            "I32" => DType.Int32,
            "I64" => DType.Int64,
            "F16" => DType.Float16,
            "BF16" => DType.BFloat16,
            "F32" => DType.Float32,
            "F64" => DType.Float64,
            _ => (DType)(-1),
        };
        return (int)dtype >= 0;
    }

    /// <summary>Why <paramref name="name"/> cannot be read, for an error message.</summary>
    public static string DescribeUnreadable(string name) => DefinedButUnsupported.Contains(name)
        ? $"dtype '{name}' is not supported by BrainGen (supported: {SupportedList})"
        : $"dtype '{name}' is unknown (supported: {SupportedList})";

    public static int AlignmentRank(DType dtype)
    {
        int rank = Array.IndexOf(AlignmentOrder, dtype);
        return rank >= 0 ? rank : throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "dtype has no safetensors name");
    }
}
