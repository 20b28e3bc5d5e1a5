using System.Reflection;

namespace BrainGen.Cli.Tests.Hostile;

/// <summary>
/// One hostile input to `braingen`: <see cref="Arrange"/> builds whatever files the attack needs in
/// a fresh folder and returns the command line; the run must end with <see cref="ExpectedCode"/>,
/// stderr must hold <see cref="ErrorContains"/> on one line with no stack trace, and
/// <see cref="Check"/> (if any) then inspects the folder (e.g. that no half-written output is left).
/// </summary>
public sealed record HostileCase(string Name, Func<string, string[]> Arrange, string ErrorContains, int ExpectedCode = 1, Action<string>? Check = null)
{
    public override string ToString() => Name;
}

/// <summary>
/// The table of hostile inputs, one class of failure per file (HostileCases.*.cs): every static
/// property of type <c>IEnumerable&lt;HostileCase&gt;</c> on <see cref="HostileCases"/> is a part of it.
/// </summary>
public static partial class HostileCases
{
    public static IEnumerable<HostileCase> All() =>
        typeof(HostileCases).GetProperties(BindingFlags.Public | BindingFlags.Static)
            .Where(p => p.PropertyType == typeof(IEnumerable<HostileCase>))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .SelectMany(p => (IEnumerable<HostileCase>)p.GetValue(null)!);
}

public class HostileInputTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "braingen-hostile", Guid.NewGuid().ToString("N"));

    public HostileInputTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    public static TheoryData<string> Names() => new(HostileCases.All().Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void EndsWithOneLineNamingTheProblem(string name)
    {
        var hostile = HostileCases.All().Single(c => c.Name == name);
        var args = hostile.Arrange(_dir);
        var (code, _, err) = CliRunner.Run(args);
        Assert.True(code == hostile.ExpectedCode, $"exit {code} (expected {hostile.ExpectedCode}); stderr: {err}");
        Assert.True(err.Contains(hostile.ErrorContains), $"stderr lacks \"{hostile.ErrorContains}\": {err}");
        Assert.DoesNotContain("   at ", err);
        hostile.Check?.Invoke(_dir);
    }

    [Fact]
    public void CaseNamesAreUnique()
    {
        var names = HostileCases.All().Select(c => c.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
    }
}
