using System.Buffers.Binary;
using System.Text;

namespace BrainGen.Torch.Tests.Serialization;

/// <summary>
/// Builds safetensors byte images, well-formed or not, for the malformed-file corpus. The
/// corpus is generated rather than committed so each case reads as the one defect it holds.
/// </summary>
internal static class SafeTensorsCorpus
{
    /// <summary>A file with this JSON header (padded to 8 with spaces) and data section.</summary>
    public static byte[] Build(string json, byte[] data)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        int padded = (header.Length + 7) / 8 * 8;
        Array.Resize(ref header, padded);
        for (int i = Encoding.UTF8.GetByteCount(json); i < padded; i++) header[i] = (byte)' ';
        return Raw((ulong)header.Length, header, data);
    }

    /// <summary>A file with an arbitrary declared header length.</summary>
    public static byte[] Raw(ulong declaredLength, byte[] header, byte[] data)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    private static string T(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{shape}],\"data_offsets\":[{begin},{end}]}}";

    /// <summary>Case name, file bytes, and a fragment the error message must contain.</summary>
    public static TheoryData<string, byte[], string> Malformed()
    {
        var valid = Build("{" + T("a", "F32", "2", 0, 8) + "}", new byte[8]);
        return new TheoryData<string, byte[], string>
        {
            { "empty file", [], "too short" },
            { "five bytes", [1, 2, 3, 4, 5], "too short" },
            { "header length 2^63", Raw(1UL << 63, [], []), "exceeds the 100000000-byte limit" },
            { "header length just over the cap", Raw(100_000_001, new byte[16], []), "exceeds" },
            { "header past end", Raw(64, Encoding.UTF8.GetBytes("{}      "), []), "runs past the end" },
            { "truncated data", valid[..^3], "truncated" },
            { "overlapping offsets", Build("{" + T("a", "F32", "2", 0, 8) + "," + T("b", "F32", "1", 4, 8) + "}", new byte[8]), "overlaps tensor 'a'" },
            { "aliased tensors", Build("{" + T("a", "F32", "2", 0, 8) + "," + T("b", "F32", "2", 0, 8) + "}", new byte[8]), "overlaps" },
            { "hole between tensors", Build("{" + T("a", "F32", "1", 0, 4) + "," + T("b", "F32", "1", 8, 12) + "}", new byte[12]), "hole of 4 bytes before tensor 'b'" },
            { "data not starting at zero", Build("{" + T("a", "F32", "1", 4, 8) + "}", new byte[8]), "hole of 4 bytes" },
            { "trailing bytes", Build("{" + T("a", "F32", "2", 0, 8) + "}", new byte[9]), "1 bytes follow the last tensor" },
            { "data but no tensors", Build("{}", new byte[8]), "8 bytes follow" },
            { "duplicate tensor names", Build("{" + T("a", "F32", "1", 0, 4) + "," + T("a", "F32", "1", 4, 8) + "}", new byte[8]), "'a' more than once" },
            { "duplicate __metadata__", Build("{\"__metadata__\":{},\"__metadata__\":{}}", []), "'__metadata__' more than once" },
            { "duplicate metadata key", Build("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", []), "'k' more than once" },
            { "duplicate field", Build("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "'dtype' more than once" },
            { "byte count too small for shape", Build("{" + T("a", "F32", "2,2", 0, 12) + "}", new byte[12]), "needs 16 bytes" },
            { "byte count too large for dtype", Build("{" + T("a", "F16", "3", 0, 12) + "}", new byte[12]), "needs 6 bytes" },
            { "negative shape", Build("{" + T("a", "F32", "-1", 0, 0) + "}", []), "not an integer in [0, 2^63)" },
            { "negative offset", Build("{" + T("a", "U8", "0", -1, 0) + "}", []), "not an integer" },
            { "fractional shape", Build("{" + T("a", "F32", "2.0", 0, 8) + "}", new byte[8]), "not an integer" },
            { "shape beyond int64", Build("{" + T("a", "F32", "99999999999999999999", 0, 8) + "}", new byte[8]), "not an integer" },
            { "string in shape", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", new byte[8]), "the string \"2\"" },
            { "element count overflows", Build("{" + T("a", "F32", "4611686018427387904,4", 0, 8) + "}", new byte[8]), "overflows 64 bits" },
            { "byte size overflows", Build("{" + T("a", "F64", "2305843009213693952", 0, 8) + "}", new byte[8]), "overflows 64 bits" },
            { "end before begin", Build("{" + T("a", "F32", "0", 8, 4) + "}", []), "end before they begin" },
            { "three offsets", Build("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}}", new byte[1]), "must be [begin, end]" },
            { "json array", Build("[1,2]", []), "must be a JSON object, found an array" },
            { "json string", Build("\"x\"", []), "must be a JSON object, found the string" },
            { "json number", Build("3", []), "must be a JSON object, found the number 3" },
            { "tensor is a number", Build("{\"a\":3}", []), "tensor 'a' must be an object" },
            { "metadata is a list", Build("{\"__metadata__\":[]}", []), "__metadata__ must be an object" },
            { "metadata value not a string", Build("{\"__metadata__\":{\"epoch\":3}}", []), "'epoch' must be a string" },
            { "extra tensor field", Build("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"strides\":[1]}}", new byte[1]), "unexpected field 'strides'" },
            { "missing shape", Build("{\"a\":{\"dtype\":\"U8\",\"data_offsets\":[0,1]}}", new byte[1]), "lacks the 'shape' field" },
            { "missing offsets", Build("{\"a\":{\"dtype\":\"U8\",\"shape\":[1]}}", new byte[1]), "lacks the 'data_offsets' field" },
            { "dtype not a string", Build("{\"a\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]), "dtype of tensor 'a' must be a string" },
            { "unknown dtype", Build("{" + T("a", "XYZ", "1", 0, 1) + "}", new byte[1]), "dtype 'XYZ' is unknown" },
            { "complex dtype", Build("{" + T("a", "C64", "1", 0, 8) + "}", new byte[8]), "dtype 'C64' is not supported" },
            { "fp8 dtype", Build("{" + T("a", "F8_E4M3", "1", 0, 1) + "}", new byte[1]), "dtype 'F8_E4M3' is not supported" },
            { "invalid utf-8", Raw(8, [(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'], []), "not valid UTF-8" },
            { "unterminated json", Build("{\"a\":{\"dtype\":\"U8\"", []), "not valid JSON" },
            { "content after the object", Build("{} {}", []), "not valid JSON" },
            { "comment", Build("{/*x*/}", []), "not valid JSON" },
            { "nul padding", Raw(8, [(byte)'{', (byte)'}', 0, 0, 0, 0, 0, 0], []), "not valid JSON" },
        };
    }
}
