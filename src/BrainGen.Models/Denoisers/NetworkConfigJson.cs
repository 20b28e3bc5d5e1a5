using System.Text.Json;
using System.Text.Json.Serialization;
using BrainGen.Imaging;

namespace BrainGen.Models.Denoisers;

/// <summary>
/// The JSON form the denoisers' configs share (DiffusionUNetConfig, DitConfig): argument names as
/// their reference code spells them, unknown keys refused, an int or a list where an argument takes
/// either; every read is validated and every error names the config (and the file, when loaded).
/// </summary>
internal static class NetworkConfigJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new IntOrIntArrayConverter() },
    };

    /// <summary>Deserializes and validates a <paramref name="name"/> config ("DiT", "DiffusionUNet").</summary>
    public static T FromJson<T>(string json, string name, Func<T, T> validate) where T : class
    {
        T? config;
        try { config = JsonSerializer.Deserialize<T>(json, Options); }
        catch (JsonException e) { throw new ArgumentException($"invalid {name} config JSON: {e.Message}", e); }
        return validate(config ?? throw new ArgumentException($"invalid {name} config JSON: null"));
    }

    /// <summary>Reads a config file (a bounded regular file) through <paramref name="fromJson"/>; errors name the file.</summary>
    public static T Load<T>(string path, string what, Func<string, T> fromJson)
    {
        try { return fromJson(BoundedFile.ReadAllText(path, BoundedFile.ConfigBytes, what)); }
        catch (ArgumentException e) { throw new ArgumentException($"{path}: {e.Message}", e); }
    }

    /// <summary>Accepts <c>2</c> or <c>[2, 2, 2]</c>; writes a list.</summary>
    private sealed class IntOrIntArrayConverter : JsonConverter<int[]>
    {
        public override int[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Number) return [reader.GetInt32()];
            if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected an integer or a list of integers");
            var values = new List<int>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.Number) throw new JsonException("expected a list of integers");
                values.Add(reader.GetInt32());
            }
            return [.. values];
        }

        public override void Write(Utf8JsonWriter writer, int[] value, JsonSerializerOptions options)
        {
            writer.WriteStartArray();
            foreach (var v in value) writer.WriteNumberValue(v);
            writer.WriteEndArray();
        }
    }
}
