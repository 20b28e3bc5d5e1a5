using System.Text.Json;
using BrainGen.Models.Denoisers;
using BrainGen.Torch;
using BrainGen.Torch.Serialization;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Tests.Diffusion;

/// <summary>
/// The committed files of tools/fixtures/make_unet_fixtures.py (MONAI Generative on PyTorch 1.13.1), found by
/// walking up from the test binaries to the source tree so no copy step can serve stale files.
/// </summary>
internal static class UNetFixtures
{
    private static readonly Lazy<string> Folder = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "BrainGen.Models.Tests", "Fixtures", "unet");
            if (File.Exists(Path.Combine(candidate, "cases.json"))) return candidate;
        }
        throw new DirectoryNotFoundException("Fixtures/unet not found above " + AppContext.BaseDirectory);
    });

    private static readonly Lazy<JsonElement> Cases = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder.Value, "cases.json"))).RootElement);

    public static string PathOf(string name) => Path.Combine(Folder.Value, name);

    public static JsonElement Case(string name) => Cases.Value.GetProperty(name);

    public static DiffusionUNetConfig Config(string name) => DiffusionUNetConfig.FromJson(Case(name).GetProperty("config").GetRawText());

    public static IReadOnlyDictionary<string, HostTensor> Weights(string name) => SafeTensors.Load(PathOf($"{name}.weights.safetensors"));

    public static IReadOnlyDictionary<string, HostTensor> Io(string name) => SafeTensors.Load(PathOf($"{name}.io.safetensors"));

    /// <summary>(case, run) pairs: one GM forward each.</summary>
    public static IEnumerable<object[]> Runs() =>
        Cases.Value.EnumerateObject().SelectMany(c => c.Value.GetProperty("runs").EnumerateObject().Select(r => new object[] { c.Name, r.Name }));

    /// <summary>(case, tag) pairs of MONAI-core named copies of the weights.</summary>
    public static IEnumerable<object[]> McVariants() =>
        Cases.Value.EnumerateObject().SelectMany(c => c.Value.GetProperty("mc").EnumerateObject().Select(m => new object[] { c.Name, m.Name }));

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(b.Shape, a.Shape);
        using var scope = NewDisposeScope();
        return (a - b).Abs().Max().ToDouble();
    }
}
