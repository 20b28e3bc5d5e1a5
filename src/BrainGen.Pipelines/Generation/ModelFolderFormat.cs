using System.Text.Json;
using System.Text.Json.Nodes;
using BrainGen.Models.Conditioning;
using BrainGen.Models.Denoisers;
using BrainGen.Models.Schedulers;
using BrainGen.Models.Tokenizers;

namespace BrainGen.Pipelines.Generation;

/// <summary>
/// model.json on disk. Version 2 ("braingen-ldm/2") names each part by kind with its config:
/// <c>{"format", "name", "tokenizer": {"kind", "config"}, "denoiser": {"kind", "config"}, "scheduler",
/// "conditioning", "image", "scale_factor"}</c>. Version 1 ("braingen-ldm/1", the KL autoencoder and
/// UNet only) had <c>"autoencoder"</c> and <c>"u_net"</c> in their place and still loads. The kinds
/// and their weight files are <see cref="ModelParts"/>'.
/// </summary>
public static class ModelFolderFormat
{
    public const string Version1 = "braingen-ldm/1";
    public const string Version2 = "braingen-ldm/2";

    private static JsonSerializerOptions Json => LatentDiffusionModel.Json;

    /// <summary>The version-2 model.json text of <paramref name="config"/>.</summary>
    public static string Write(LatentDiffusionModelConfig config)
    {
        var root = new JsonObject
        {
            ["format"] = Version2,
            ["name"] = config.Name,
            ["tokenizer"] = new JsonObject { ["kind"] = config.TokenizerKind, ["config"] = JsonSerializer.SerializeToNode(config.Autoencoder, Json) },
            ["denoiser"] = new JsonObject
            {
                ["kind"] = config.DenoiserKind,
                ["config"] = config.Dit is { } dit ? JsonNode.Parse(dit.ToJson()) : JsonSerializer.SerializeToNode(config.UNet, Json),
            },
            ["scheduler"] = JsonSerializer.SerializeToNode(config.Scheduler, Json),
            ["conditioning"] = JsonSerializer.SerializeToNode(config.Conditioning, Json),
            ["image"] = JsonSerializer.SerializeToNode(config.Image, Json),
            ["scale_factor"] = config.ScaleFactor,
        };
        return root.ToJsonString(Json);
    }

    /// <summary>Reads a version-1 or version-2 model.json (not yet validated); errors name <paramref name="path"/>.</summary>
    public static LatentDiffusionModelConfig Read(string text, string path)
    {
        try
        {
            var root = JsonNode.Parse(text) as JsonObject ?? throw new InvalidDataException($"{path}: empty model description");
            var format = root["format"]?.GetValue<string>();
            return format switch
            {
                Version1 => ReadVersion1(text, path),
                Version2 => ReadVersion2(root, path),
                _ => throw new InvalidDataException($"{path}: format '{format}' is not {Version2} (or {Version1})"),
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    // Version 1 is the in-memory record of its time, serialized as is.
    private static LatentDiffusionModelConfig ReadVersion1(string text, string path)
    {
        var v1 = JsonSerializer.Deserialize<Version1File>(text, Json) ?? throw new InvalidDataException($"{path}: empty model description");
        if (v1.Autoencoder is null || v1.UNet is null)
            throw new InvalidDataException($"{path}: a {Version1} model needs \"autoencoder\" and \"u_net\"");
        return new LatentDiffusionModelConfig
        {
            Format = Version1, Name = v1.Name, Autoencoder = v1.Autoencoder, UNet = v1.UNet, Scheduler = v1.Scheduler,
            Conditioning = v1.Conditioning, Image = v1.Image, ScaleFactor = v1.ScaleFactor,
        };
    }

    private static LatentDiffusionModelConfig ReadVersion2(JsonObject root, string path)
    {
        var known = new HashSet<string> { "format", "name", "tokenizer", "denoiser", "scheduler", "conditioning", "image", "scale_factor" };
        if (root.Select(p => p.Key).FirstOrDefault(k => !known.Contains(k)) is { } unknown)
            throw new InvalidDataException($"{path}: unknown key '{unknown}' (a {Version2} model.json has {string.Join(", ", known)})");
        var (tokenizerKind, tokenizerConfig) = Part(root, "tokenizer", path);
        var (denoiserKind, denoiserConfig) = Part(root, "denoiser", path);
        ModelParts.RequireTokenizer(tokenizerKind, path);
        ModelParts.RequireDenoiser(denoiserKind, path);
        var autoencoder = Deserialize<AutoencoderKLConfig>(tokenizerConfig, "tokenizer.config", path);
        DiffusionUNetConfig? unet = null;
        DitConfig? dit = null;
        if (denoiserKind == Dit.DenoiserKind)
        {
            try { dit = DitConfig.FromJson(denoiserConfig.ToJsonString()); }
            catch (ArgumentException e) { throw new InvalidDataException($"{path}: denoiser.config: {e.Message}", e); }
        }
        else unet = Deserialize<DiffusionUNetConfig>(denoiserConfig, "denoiser.config", path);
        return new LatentDiffusionModelConfig
        {
            Format = Version2,
            Name = root["name"]?.GetValue<string>() ?? "brain-ldm",
            Autoencoder = autoencoder, UNet = unet, Dit = dit,
            Scheduler = Optional<SchedulerConfig>(root, "scheduler", path) ?? new(),
            Conditioning = Optional<ConditioningSpec>(root, "conditioning", path) ?? new(),
            Image = Optional<ImageGeometry>(root, "image", path) ?? new(),
            ScaleFactor = root["scale_factor"] is { } scale ? scale.GetValue<double>() : 1,
        };
    }

    private static (string Kind, JsonNode Config) Part(JsonObject root, string name, string path)
    {
        if (root[name] is not JsonObject part) throw new InvalidDataException($"{path}: no \"{name}\" object ({{\"kind\": ..., \"config\": {{...}}}})");
        var kind = part["kind"] is JsonValue v && v.TryGetValue<string>(out var k) ? k : throw new InvalidDataException($"{path}: {name}.kind is missing or not a string");
        var config = part["config"] as JsonObject ?? throw new InvalidDataException($"{path}: {name}.config is missing or not an object");
        return (kind, config);
    }

    private static T Deserialize<T>(JsonNode node, string what, string path) where T : class =>
        node.Deserialize<T>(Json) ?? throw new InvalidDataException($"{path}: {what} is empty");

    private static T? Optional<T>(JsonObject root, string name, string path) where T : class =>
        root[name] is { } node ? Deserialize<T>(node, name, path) : null;

    /// <summary>The shape of a version-1 model.json: the LatentDiffusionModelConfig record of that version.</summary>
    private sealed record Version1File
    {
        public string Format { get; init; } = Version1;
        public string Name { get; init; } = "brain-ldm";
        public AutoencoderKLConfig? Autoencoder { get; init; }
        public DiffusionUNetConfig? UNet { get; init; }
        public SchedulerConfig Scheduler { get; init; } = new();
        public ConditioningSpec Conditioning { get; init; } = new();
        public ImageGeometry Image { get; init; } = new();
        public double ScaleFactor { get; init; } = 1;
    }
}
