namespace BrainGen.Models.Schedulers;

/// <summary>The name of each sampler on the command line (--sampler) and in the images' sidecars.</summary>
public static class SamplerNames
{
    private static readonly (SamplerKind Kind, string Name)[] Table =
    [
        (SamplerKind.Ddim, "ddim"),
        (SamplerKind.Ddpm, "ddpm"),
        (SamplerKind.RectifiedFlow, "rflow"),
        (SamplerKind.DpmSolver, "dpm++"),
    ];

    public static IReadOnlyList<string> All { get; } = Table.Select(t => t.Name).ToArray();

    public static string Name(this SamplerKind kind) => Table.First(t => t.Kind == kind).Name;

    public static SamplerKind Parse(string name) =>
        Table.Where(t => t.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(t => (SamplerKind?)t.Kind).FirstOrDefault()
        ?? throw new ArgumentException($"--sampler '{name}': expected one of {string.Join(", ", All)}");
}
