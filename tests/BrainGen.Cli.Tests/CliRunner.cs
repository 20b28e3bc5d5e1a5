namespace BrainGen.Cli.Tests;

/// <summary>Runs `braingen` in-process through the real command tree, capturing stdout and stderr.</summary>
internal static class CliRunner
{
    private static readonly object ConsoleGate = new();

    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        lock (ConsoleGate)
        {
            var (oldOut, oldErr) = (Console.Out, Console.Error);
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            Console.SetOut(stdout);
            Console.SetError(stderr);
            try
            {
                var code = Program.Run(args);
                return (code, stdout.ToString(), stderr.ToString());
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
            }
        }
    }

    /// <summary>A path inside the repository (tests run from tests/X/bin/Release/net10.0).</summary>
    public static string RepoPath(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BrainGen.slnx"))) return Path.Combine(dir.FullName, relative);
        throw new DirectoryNotFoundException("repository root (BrainGen.slnx) not found above " + AppContext.BaseDirectory);
    }
}
