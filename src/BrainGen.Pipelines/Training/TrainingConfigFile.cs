using System.Globalization;
using BrainGen.Imaging;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace BrainGen.Pipelines.Training;

/// <summary>
/// Run configs as YAML (snake_case keys, as MONAI bundles and the config records' JSON): a file,
/// then command-line overrides "dotted.key=value" (the value is YAML, so lists read as [4, 4, 4]),
/// then strict typing: an unknown key or a badly typed value is an error naming the file and line.
/// The resolved config is written next to the checkpoints, so a run can always be repeated.
/// </summary>
public static class TrainingConfigFile
{
    private static readonly IDeserializer Reader = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .Build();

    private static readonly ISerializer Writer = new SerializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.Preserve)
        .Build();

    /// <summary>Reads <paramref name="path"/> (null: all defaults) and applies <paramref name="overrides"/> in order.</summary>
    public static T Load<T>(string? path, IEnumerable<string>? overrides = null) where T : new()
    {
        var source = path ?? "defaults";
        var root = new YamlMappingNode();
        if (path is not null)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"{path}: config file not found", path);
            var yaml = BoundedFile.ReadAllText(path, BoundedFile.ConfigBytes, "config");
            var stream = new YamlStream();
            try
            {
                EnsureNestingDepth(yaml, path);
                stream.Load(new StringReader(yaml));
            }
            catch (YamlException e) { throw new InvalidDataException($"{path}: line {e.Start.Line}: {e.Message}", e); }
            if (stream.Documents.Count > 0)
                root = stream.Documents[0].RootNode as YamlMappingNode
                       ?? throw new InvalidDataException($"{path}: the config must be a mapping of keys to values");
        }
        foreach (var entry in overrides ?? []) Apply(root, entry);

        var text = Serialize(root);
        try
        {
            return Reader.Deserialize<T>(text) ?? new T();
        }
        catch (YamlException e)
        {
            // The message names the key (e.g. "Property 'stepz' not found on type ..."); the line refers to the merged text.
            var detail = e.InnerException?.Message ?? e.Message;
            throw new InvalidDataException($"{source}{(overrides?.Any() == true ? " (with overrides)" : "")}: {detail}", e);
        }
    }

    /// <summary>The config as YAML, every key written out (defaults included).</summary>
    public static string ToYaml<T>(T config) => Writer.Serialize(config!);

    public static void Save<T>(T config, string path) => AtomicFile.WriteAllText(path, ToYaml(config));

    private static void Apply(YamlMappingNode root, string entry)
    {
        int eq = entry.IndexOf('=');
        if (eq <= 0) throw new ArgumentException($"--set '{entry}': expected dotted.key=value");
        var keys = entry[..eq].Trim().Split('.');
        if (keys.Any(k => k.Length == 0)) throw new ArgumentException($"--set '{entry}': empty key segment");
        YamlNode value;
        try
        {
            var stream = new YamlStream();
            EnsureNestingDepth(entry[(eq + 1)..], $"--set '{entry[..eq]}'");
            stream.Load(new StringReader(entry[(eq + 1)..]));
            value = stream.Documents.Count > 0 ? stream.Documents[0].RootNode : new YamlScalarNode("");
        }
        catch (YamlException e) { throw new ArgumentException($"--set '{entry}': the value is not valid YAML ({e.Message})", e); }

        var node = root;
        foreach (var key in keys[..^1])
        {
            var name = new YamlScalarNode(key);
            if (!node.Children.TryGetValue(name, out var child)) node.Children[name] = child = new YamlMappingNode();
            node = child as YamlMappingNode ?? throw new ArgumentException($"--set '{entry}': '{key}' is a value, not a section");
        }
        node.Children[new YamlScalarNode(keys[^1])] = value;
    }

    /// <summary>How deep sections and lists may nest; run configs use three or four levels.</summary>
    public const int MaxNestingDepth = 64;

    /// <summary>
    /// Refuses YAML nested deeper than <see cref="MaxNestingDepth"/> before it is loaded: YamlDotNet
    /// builds (and later walks) nodes recursively, so 100,000 nested brackets overflow the stack,
    /// which no handler can catch. The event parser itself is iterative, so this scan is safe.
    /// </summary>
    internal static void EnsureNestingDepth(string text, string source)
    {
        var parser = new Parser(new StringReader(text));
        int depth = 0;
        while (parser.MoveNext())
        {
            if (parser.Current is MappingStart or SequenceStart)
            {
                if (++depth > MaxNestingDepth)
                    throw new InvalidDataException($"{source}: line {parser.Current.Start.Line}: nested more than {MaxNestingDepth} levels deep");
            }
            else if (parser.Current is MappingEnd or SequenceEnd) depth--;
        }
    }

    private static string Serialize(YamlMappingNode root)
    {
        var stream = new YamlStream(new YamlDocument(root));
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        stream.Save(writer, assignAnchors: false);
        return writer.ToString();
    }
}
