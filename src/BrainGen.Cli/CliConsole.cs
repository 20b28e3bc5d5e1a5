using Spectre.Console;

namespace BrainGen.Cli;

internal static class CliConsole
{
    /// <summary>
    /// A Spectre console on whatever Console.Out is now. AnsiConsole's static instance keeps the
    /// first writer it saw, which breaks (and, from its refresh thread, crashes) when callers such as
    /// tests redirect Console.Out between runs.
    /// </summary>
    public static IAnsiConsole Create() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
}
