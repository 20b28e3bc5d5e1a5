namespace BrainGen.Cli.Tests.Hostile;

/// <summary>`generate --sampler dpm++` with schedules it cannot step, and sampler names it does not know.</summary>
public static partial class HostileCases
{
    public static IEnumerable<HostileCase> DpmSolver =>
    [
        new("dpm++: more steps than distinct timesteps", dir =>
            ["generate", "--monai-bundle", TinyBundle, "--sampler", "dpm++", "--steps", "1000", "-o", Path.Combine(dir, "out"), "--no-preview"],
            "1000 linspace-spaced steps over 1000 training timesteps repeat timestep",
            Check: dir => Assert.False(Directory.Exists(Path.Combine(dir, "out", "sub-00001")))),
        new("dpm++: more steps than training timesteps", dir =>
            ["generate", "--monai-bundle", TinyBundle, "--sampler", "dpm++", "--steps", "1001", "-o", Path.Combine(dir, "out"), "--no-preview"],
            "steps must be in 1..1000"),
        new("sampler: unknown name", dir =>
            ["generate", "--monai-bundle", TinyBundle, "--sampler", "dpm+", "-o", Path.Combine(dir, "out"), "--no-preview"],
            "--sampler 'dpm+': expected one of ddim, ddpm, rflow, dpm++"),
    ];
}
