using System.Text.Json;
using BrainGen.Models.Denoisers;
using BrainGen.Torch;
using BrainGen.Torch.Serialization;

namespace BrainGen.Models.Tests.Denoisers;

/// <summary>
/// The committed files of tools/fixtures/make_dit_fixtures.py (facebookresearch/DiT's models.py on PyTorch 1.13.1;
/// the 3D case is the same code written for 3D in the script), found by walking up from the test binaries to the
/// source tree so no copy step can serve stale files.
/// </summary>
internal static class DitFixtures
{
    private static readonly Lazy<string> Folder = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "BrainGen.Models.Tests", "Fixtures", "dit");
            if (File.Exists(Path.Combine(candidate, "cases.json"))) return candidate;
        }
        throw new DirectoryNotFoundException("Fixtures/dit not found above " + AppContext.BaseDirectory);
    });

    private static readonly Lazy<JsonElement> Cases = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder.Value, "cases.json"))).RootElement);

    /// <summary>The case names (entries starting with '_' describe the source, not a case).</summary>
    public static IEnumerable<string> Names => Cases.Value.EnumerateObject().Select(c => c.Name).Where(n => !n.StartsWith('_'));

    public static TheoryData<string> NameData => new(Names);

    public static JsonElement Case(string name) => Cases.Value.GetProperty(name);

    public static DitConfig Config(string name) => DitConfig.FromJson(Case(name).GetProperty("config").GetRawText());

    public static IReadOnlyDictionary<string, HostTensor> Weights(string name) =>
        SafeTensors.Load(Path.Combine(Folder.Value, $"{name}.weights.safetensors"));

    public static IReadOnlyDictionary<string, HostTensor> Io(string name) =>
        SafeTensors.Load(Path.Combine(Folder.Value, $"{name}.io.safetensors"));

    public static Dit Loaded(string name)
    {
        var model = new Dit(Config(name));
        model.Eval();
        var result = model.LoadCheckpoint(Weights(name), $"{name}.weights.safetensors");
        Assert.True(result.IsExact, result.ToString());
        return model;
    }
}
