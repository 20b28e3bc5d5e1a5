using System.Globalization;
using System.Text;

namespace BrainGen.Torch.Serialization;

/// <summary>
/// Lays out a safetensors file the way huggingface/safetensors `prepare` does, so files we write
/// are byte-identical to the Python/Rust library's for the same tensors and metadata:
/// tensors sorted by descending dtype alignment, then by name compared as UTF-8 bytes (Rust
/// `String` order); compact JSON with `__metadata__` first and fields in the order dtype, shape,
/// data_offsets; the escaping of serde_json (only '"', '\' and control characters; other text
/// stays raw UTF-8); the header padded with spaces to a multiple of 8 so the data is aligned.
/// One deliberate choice where the reference has none: metadata keys are written in ordinal
/// order (Rust iterates a HashMap, so its order varies from run to run).
/// </summary>
internal static class SafeTensorsHeaderWriter
{
    // Throws on lone surrogates instead of silently writing U+FFFD under a different name.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static List<KeyValuePair<string, HostTensor>> Order(IEnumerable<KeyValuePair<string, HostTensor>> tensors, string file)
    {
        var list = new List<KeyValuePair<string, HostTensor>>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var kv in tensors)
        {
            if (kv.Key is null || kv.Value is null)
                throw new ArgumentException($"{file}: tensor names and tensors must not be null");
            if (kv.Key == "__metadata__")
                throw new ArgumentException($"{file}: '__metadata__' is reserved and cannot name a tensor");
            if (!names.Add(kv.Key))
                throw new ArgumentException($"{file}: tensor name '{kv.Key}' is given more than once");
            list.Add(kv);
        }
        var utf8 = list.ToDictionary(kv => kv.Key, kv => StrictUtf8.GetBytes(kv.Key), StringComparer.Ordinal);
        list.Sort((a, b) =>
        {
            int byAlignment = SafeTensorsDType.AlignmentRank(b.Value.DType).CompareTo(SafeTensorsDType.AlignmentRank(a.Value.DType));
            return byAlignment != 0 ? byAlignment : utf8[a.Key].AsSpan().SequenceCompareTo(utf8[b.Key]);
        });
        return list;
    }

    /// <summary>The padded header for tensors already in <see cref="Order"/>; the data follows it in the same order.</summary>
    public static byte[] Build(IReadOnlyList<KeyValuePair<string, HostTensor>> ordered, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new StringBuilder("{");
        if (metadata is not null)
        {
            json.Append("\"__metadata__\":{");
            bool first = true;
            foreach (var kv in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (kv.Value is null)
                    throw new ArgumentException($"metadata value for '{kv.Key}' is null (safetensors metadata holds strings only)");
                if (!first) json.Append(',');
                first = false;
                AppendString(json, kv.Key).Append(':');
                AppendString(json, kv.Value);
            }
            json.Append('}');
            if (ordered.Count > 0) json.Append(',');
        }
        long offset = 0;
        for (int i = 0; i < ordered.Count; i++)
        {
            var (name, tensor) = (ordered[i].Key, ordered[i].Value);
            long end = checked(offset + tensor.Data.LongLength);
            if (i > 0) json.Append(',');
            AppendString(json, name);
            json.Append(":{\"dtype\":\"").Append(SafeTensorsDType.ToName(tensor.DType)).Append("\",\"shape\":[");
            json.AppendJoin(',', tensor.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
            json.Append("],\"data_offsets\":[").Append(offset.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(end.ToString(CultureInfo.InvariantCulture)).Append("]}");
            offset = end;
        }
        json.Append('}');
        byte[] text = StrictUtf8.GetBytes(json.ToString());
        int padded = checked((text.Length + 7) / 8 * 8);
        if (padded > SafeTensors.MaxHeaderLength)
            throw new ArgumentException($"the header would be {padded} bytes, over the {SafeTensors.MaxHeaderLength}-byte limit readers enforce");
        var header = new byte[padded];
        text.CopyTo(header, 0);
        header.AsSpan(text.Length).Fill((byte)' ');
        return header;
    }

    private static StringBuilder AppendString(StringBuilder json, string s)
    {
        json.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\b': json.Append("\\b"); break;
                case '\f': json.Append("\\f"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                case < ' ': json.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default: json.Append(c); break;
            }
        }
        return json.Append('"');
    }
}
