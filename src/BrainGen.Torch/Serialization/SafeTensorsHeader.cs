using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;

namespace BrainGen.Torch.Serialization;

/// <summary>
/// Parses and validates a safetensors header with the rules of the reference implementation
/// (huggingface/safetensors `tensor.rs`), plus the ones it leaves to chance: duplicate names are
/// rejected outright (System.Text.Json and Python's json would silently keep the last one, a
/// parser differential), and every tensor object must hold exactly dtype, shape and data_offsets.
/// </summary>
internal sealed class SafeTensorsHeader
{
    private SafeTensorsHeader(List<SafeTensorsEntry> entries, Dictionary<string, string> metadata)
    {
        Entries = entries;
        Metadata = metadata;
        ByName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>Tensors in data-offset order, i.e. the order of their bytes in the file.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries { get; }
    public IReadOnlyDictionary<string, SafeTensorsEntry> ByName { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Checks the 8-byte prelude against the file length and returns the header length N: the
    /// JSON occupies bytes [8, 8 + N) and the data section the rest.
    /// </summary>
    public static long ReadHeaderLength(ReadOnlySpan<byte> prelude, long fileLength, string file)
    {
        if (fileLength < 8)
            throw Error(file, $"file is {fileLength} bytes, too short for the 8-byte header length");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prelude);
        if (n > (ulong)SafeTensors.MaxHeaderLength)
            throw Error(file, $"header length {n} exceeds the {SafeTensors.MaxHeaderLength}-byte limit (corrupt, or not a safetensors file)");
        if ((long)n > fileLength - 8)
            throw Error(file, $"header length {n} runs past the end of the file ({fileLength} bytes; truncated?)");
        return (long)n;
    }

    /// <summary>Parses the JSON header and validates it against a data section of <paramref name="dataLength"/> bytes.</summary>
    public static SafeTensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength, string file)
    {
        if (!Utf8.IsValid(json))
            throw Error(file, "header is not valid UTF-8");
        var entries = new List<SafeTensorsEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            ParseJson(json, entries, metadata, file);
        }
        catch (JsonException e)
        {
            throw Error(file, $"header is not valid JSON ({e.Message})");
        }
        ValidateLayout(entries, dataLength, file);
        return new SafeTensorsHeader(entries, metadata);
    }

    private static void ParseJson(ReadOnlySpan<byte> json, List<SafeTensorsEntry> entries, Dictionary<string, string> metadata, string file)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw Error(file, $"header must be a JSON object, found {Describe(reader)}");
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            string name = reader.GetString()!;
            if (!names.Add(name))
                throw Error(file, $"header names '{name}' more than once (duplicate keys are not allowed)");
            reader.Read();
            if (name == "__metadata__")
                ParseMetadata(ref reader, metadata, file);
            else
            {
                entries.Add(ParseTensor(ref reader, name, file));
            }
        }
        // Only whitespace (the writer's space padding) may follow the object; Read throws otherwise.
        if (reader.Read())
            throw Error(file, $"header has content after the JSON object ({Describe(reader)})");
    }

    private static void ParseMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string file)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Error(file, $"__metadata__ must be an object of strings, found {Describe(reader)}");
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
                throw Error(file, $"__metadata__ value '{key}' must be a string, found {Describe(reader)}");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw Error(file, $"__metadata__ names '{key}' more than once (duplicate keys are not allowed)");
        }
    }

    private static SafeTensorsEntry ParseTensor(ref Utf8JsonReader reader, string name, string file)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Error(file, $"tensor '{name}' must be an object with dtype, shape and data_offsets, found {Describe(reader)}");
        string? dtypeName = null;
        long[]? shape = null, offsets = null;
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            string field = reader.GetString()!;
            reader.Read();
            bool duplicate = field switch
            {
                "dtype" => dtypeName is not null,
                "shape" => shape is not null,
                "data_offsets" => offsets is not null,
                _ => throw Error(file, $"tensor '{name}' has unexpected field '{field}' (allowed: dtype, shape, data_offsets)"),
            };
            if (duplicate)
                throw Error(file, $"tensor '{name}' names '{field}' more than once (duplicate keys are not allowed)");
            switch (field)
            {
                case "dtype":
                    if (reader.TokenType != JsonTokenType.String)
                        throw Error(file, $"dtype of tensor '{name}' must be a string, found {Describe(reader)}");
                    dtypeName = reader.GetString()!;
                    break;
                case "shape":
                    shape = ReadIntegers(ref reader, name, field, file);
                    break;
                default:
                    offsets = ReadIntegers(ref reader, name, field, file);
                    if (offsets.Length != 2)
                        throw Error(file, $"data_offsets of tensor '{name}' must be [begin, end], found {offsets.Length} numbers");
                    break;
            }
        }
        string missing = dtypeName is null ? "dtype" : shape is null ? "shape" : offsets is null ? "data_offsets" : "";
        if (missing.Length > 0)
            throw Error(file, $"tensor '{name}' lacks the '{missing}' field");
        if (!SafeTensorsDType.TryParse(dtypeName!, out var dtype))
            throw Error(file, $"tensor '{name}': {SafeTensorsDType.DescribeUnreadable(dtypeName!)}");
        return new SafeTensorsEntry(name, dtype, shape!, offsets![0], offsets[1]);
    }

    private static long[] ReadIntegers(ref Utf8JsonReader reader, string name, string field, string file)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw Error(file, $"{field} of tensor '{name}' must be an array of integers, found {Describe(reader)}");
        var values = new List<long>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long v) || v < 0)
                throw Error(file, $"{field} of tensor '{name}' holds {Describe(reader)}, not an integer in [0, 2^63)");
            values.Add(v);
        }
        return values.ToArray();
    }

    /// <summary>
    /// The reference's single rule, sorted by offsets: each tensor begins where the previous one
    /// ended. That forbids overlaps (many names aliasing one region was a denial of service),
    /// holes and a nonzero start; then the last end must be the end of the file, so nothing can
    /// hide after the data (polyglot files).
    /// </summary>
    private static void ValidateLayout(List<SafeTensorsEntry> entries, long dataLength, string file)
    {
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        string previous = "";
        foreach (var e in entries)
        {
            if (e.End < e.Begin)
                throw Error(file, $"tensor '{e.Name}' has data_offsets [{e.Begin}, {e.End}] that end before they begin");
            if (e.Begin < expected)
                throw Error(file, $"tensor '{e.Name}' at [{e.Begin}, {e.End}] overlaps tensor '{previous}' which ends at {expected}");
            if (e.Begin > expected)
                throw Error(file, $"hole of {e.Begin - expected} bytes before tensor '{e.Name}' at [{e.Begin}, {e.End}] (the data must be packed)");
            long bytes;
            try
            {
                bytes = checked(HostTensor.NumElements(e.Shape) * e.DType.ElementSize());
            }
            catch (OverflowException)
            {
                throw Error(file, $"tensor '{e.Name}' has shape [{string.Join(", ", e.Shape)}] whose byte size overflows 64 bits");
            }
            if (bytes != e.ByteLength)
                throw Error(file, $"tensor '{e.Name}': {SafeTensorsDType.ToName(e.DType)} [{string.Join(", ", e.Shape)}] needs {bytes} bytes but data_offsets [{e.Begin}, {e.End}] span {e.ByteLength}");
            expected = e.End;
            previous = e.Name;
        }
        if (expected > dataLength)
            throw Error(file, $"tensors need {expected} bytes of data but the file holds {dataLength} after the header (truncated?)");
        if (expected < dataLength)
            throw Error(file, $"{dataLength - expected} bytes follow the last tensor (the data section must be covered exactly)");
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
            throw new JsonException("unexpected end of the header");
        return reader.TokenType;
    }

    private static string Describe(Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.None => "nothing",
        JsonTokenType.String => $"the string \"{Truncate(reader.GetString()!)}\"",
        JsonTokenType.Number => $"the number {Truncate(System.Text.Encoding.UTF8.GetString(reader.ValueSpan))}",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        var t => t.ToString(),
    };

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";

    internal static InvalidDataException Error(string file, string problem) => new($"{file}: {problem}");
}
