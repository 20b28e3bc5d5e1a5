namespace BrainGen.Imaging;

/// <summary>NIfTI datatype codes (nifti1.h DT_*). The numeric values are the on-disk codes.</summary>
public enum NiftiDataType : short
{
    Unknown = 0,
    Binary = 1,
    UInt8 = 2,
    Int16 = 4,
    Int32 = 8,
    Float32 = 16,
    Complex64 = 32,
    Float64 = 64,
    Rgb24 = 128,
    All = 255,
    Int8 = 256,
    UInt16 = 512,
    UInt32 = 768,
    Int64 = 1024,
    UInt64 = 1280,
    Float128 = 1536,
    Complex128 = 1792,
    Complex256 = 2048,
    Rgba32 = 2304,
}

/// <summary>Sizes, names and capabilities of the datatype codes.</summary>
public static class NiftiDataTypes
{
    /// <summary>Bits per voxel as nifti1.h defines them; 0 for codes that carry no voxel layout.</summary>
    public static int BitsPerVoxel(this NiftiDataType t) => t switch
    {
        NiftiDataType.Binary => 1,
        NiftiDataType.UInt8 or NiftiDataType.Int8 => 8,
        NiftiDataType.Int16 or NiftiDataType.UInt16 => 16,
        NiftiDataType.Rgb24 => 24,
        NiftiDataType.Int32 or NiftiDataType.UInt32 or NiftiDataType.Float32 or NiftiDataType.Rgba32 => 32,
        NiftiDataType.Int64 or NiftiDataType.UInt64 or NiftiDataType.Float64 or NiftiDataType.Complex64 => 64,
        NiftiDataType.Float128 or NiftiDataType.Complex128 => 128,
        NiftiDataType.Complex256 => 256,
        _ => 0,
    };

    public static int BytesPerVoxel(this NiftiDataType t) => t.BitsPerVoxel() / 8;

    /// <summary>True for codes nifti1.h defines, whether or not BrainGen can decode them.</summary>
    public static bool IsKnown(short code) => Enum.IsDefined(typeof(NiftiDataType), code);

    /// <summary>Codes BrainGen decodes into real-valued voxels (RGB24 is read as luminance).</summary>
    public static bool CanRead(this NiftiDataType t) => t switch
    {
        NiftiDataType.UInt8 or NiftiDataType.Int8 or NiftiDataType.Int16 or NiftiDataType.UInt16
            or NiftiDataType.Int32 or NiftiDataType.UInt32 or NiftiDataType.Int64 or NiftiDataType.UInt64
            or NiftiDataType.Float32 or NiftiDataType.Float64 or NiftiDataType.Rgb24 => true,
        _ => false,
    };

    /// <summary>Codes BrainGen writes from float voxels (RGB24 is read-only: a scalar volume has no colour).</summary>
    public static bool CanWrite(this NiftiDataType t) => t.CanRead() && t != NiftiDataType.Rgb24;

    public static bool IsInteger(this NiftiDataType t) => t switch
    {
        NiftiDataType.UInt8 or NiftiDataType.Int8 or NiftiDataType.Int16 or NiftiDataType.UInt16
            or NiftiDataType.Int32 or NiftiDataType.UInt32 or NiftiDataType.Int64 or NiftiDataType.UInt64 => true,
        _ => false,
    };

    /// <summary>Representable range of an integer code (as doubles; int64 ends are rounded).</summary>
    public static (double Min, double Max) IntegerRange(this NiftiDataType t) => t switch
    {
        NiftiDataType.UInt8 => (byte.MinValue, byte.MaxValue),
        NiftiDataType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
        NiftiDataType.Int16 => (short.MinValue, short.MaxValue),
        NiftiDataType.UInt16 => (ushort.MinValue, ushort.MaxValue),
        NiftiDataType.Int32 => (int.MinValue, int.MaxValue),
        NiftiDataType.UInt32 => (uint.MinValue, uint.MaxValue),
        NiftiDataType.Int64 => (long.MinValue, long.MaxValue),
        NiftiDataType.UInt64 => (ulong.MinValue, ulong.MaxValue),
        _ => throw new ArgumentException($"{t} is not an integer datatype"),
    };

    /// <summary>numpy-style lower-case name used by `braingen info` and the CLI's --dtype.</summary>
    public static string Name(this NiftiDataType t) => t switch
    {
        NiftiDataType.UInt8 => "uint8",
        NiftiDataType.Int8 => "int8",
        NiftiDataType.Int16 => "int16",
        NiftiDataType.UInt16 => "uint16",
        NiftiDataType.Int32 => "int32",
        NiftiDataType.UInt32 => "uint32",
        NiftiDataType.Int64 => "int64",
        NiftiDataType.UInt64 => "uint64",
        NiftiDataType.Float32 => "float32",
        NiftiDataType.Float64 => "float64",
        NiftiDataType.Rgb24 => "rgb24",
        NiftiDataType.Rgba32 => "rgba32",
        NiftiDataType.Complex64 => "complex64",
        NiftiDataType.Complex128 => "complex128",
        NiftiDataType.Complex256 => "complex256",
        NiftiDataType.Float128 => "float128",
        NiftiDataType.Binary => "binary",
        _ => t.ToString().ToLowerInvariant(),
    };

    public static NiftiDataType Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "uint8" or "u1" => NiftiDataType.UInt8,
        "int8" or "i1" => NiftiDataType.Int8,
        "int16" or "i2" => NiftiDataType.Int16,
        "uint16" or "u2" => NiftiDataType.UInt16,
        "int32" or "i4" => NiftiDataType.Int32,
        "uint32" or "u4" => NiftiDataType.UInt32,
        "int64" or "i8" => NiftiDataType.Int64,
        "uint64" or "u8" => NiftiDataType.UInt64,
        "float32" or "f4" or "float" => NiftiDataType.Float32,
        "float64" or "f8" or "double" => NiftiDataType.Float64,
        _ => throw new ArgumentException($"unknown or unwritable datatype '{name}' (use uint8, int8, int16, uint16, int32, uint32, int64, uint64, float32, float64)"),
    };
}
