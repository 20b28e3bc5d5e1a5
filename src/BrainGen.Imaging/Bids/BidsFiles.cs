using System.Text.Json;
using System.Text.Json.Nodes;

namespace BrainGen.Imaging;

/// <summary>Who made a dataset: one entry of dataset_description.json's GeneratedBy.</summary>
public sealed record BidsGenerator(string Name, string? Version = null, string? Description = null, string? CodeUrl = null);

/// <summary>The fields of dataset_description.json that BrainGen's datasets fill in.</summary>
public sealed record BidsDatasetDescription(string Name, string DatasetType, BidsGenerator GeneratedBy)
{
    public string BidsVersion { get; init; } = BidsFiles.Version;
    public IReadOnlyList<string> Authors { get; init; } = [];
    /// <summary>URLs of the datasets this one was derived from.</summary>
    public IReadOnlyList<string> SourceDatasets { get; init; } = [];
}

/// <summary>A tabular file's column, documented in its JSON sidecar (BIDS: Description, Units, Levels).</summary>
public sealed record BidsColumn(string Name, string Description, string? Units = null, IReadOnlyDictionary<string, string>? Levels = null);

/// <summary>
/// The JSON files every BIDS dataset BrainGen writes has (dataset_description.json, image sidecars,
/// column descriptions such as participants.json), shared by the derivative writer and the phantom's
/// raw dataset: indented, newline-terminated, written atomically. Tables go through <see cref="TsvTable"/>.
/// </summary>
public static class BidsFiles
{
    public const string Version = "1.10.0";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>A sidecar or any other JSON value (dictionaries, records, JsonNode).</summary>
    public static void WriteJson(string path, object value) =>
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(value, Json) + "\n");

    public static void WriteDatasetDescription(string root, BidsDatasetDescription d)
    {
        var generator = new JsonObject { ["Name"] = d.GeneratedBy.Name };
        if (d.GeneratedBy.Version is not null) generator["Version"] = d.GeneratedBy.Version;
        if (d.GeneratedBy.Description is not null) generator["Description"] = d.GeneratedBy.Description;
        if (d.GeneratedBy.CodeUrl is not null) generator["CodeURL"] = d.GeneratedBy.CodeUrl;
        var json = new JsonObject { ["Name"] = d.Name, ["BIDSVersion"] = d.BidsVersion, ["DatasetType"] = d.DatasetType };
        if (d.Authors.Count > 0) json["Authors"] = new JsonArray(d.Authors.Select(a => (JsonNode?)a).ToArray());
        json["GeneratedBy"] = new JsonArray(generator);
        if (d.SourceDatasets.Count > 0)
            json["SourceDatasets"] = new JsonArray(d.SourceDatasets.Select(s => (JsonNode?)new JsonObject { ["URL"] = s }).ToArray());
        WriteJson(Path.Combine(root, "dataset_description.json"), json);
    }

    /// <summary>The JSON sidecar of a table (e.g. participants.json): one object per documented column.</summary>
    public static void WriteColumnDescriptions(string path, IEnumerable<BidsColumn> columns)
    {
        var json = new JsonObject();
        foreach (var c in columns)
        {
            var o = new JsonObject { ["Description"] = c.Description };
            if (c.Units is not null) o["Units"] = c.Units;
            if (c.Levels is not null) o["Levels"] = new JsonObject(c.Levels.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
            json[c.Name] = o;
        }
        WriteJson(path, json);
    }
}
