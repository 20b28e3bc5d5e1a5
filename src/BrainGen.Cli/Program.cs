using System.CommandLine;
using BrainGen.Cli.Commands;

namespace BrainGen.Cli;

public static class Program
{
    /// <summary>Every `braingen` subcommand; each lives in its own file under Commands/.</summary>
    internal static RootCommand BuildRoot()
    {
        var root = new RootCommand("braingen: controllable 3D brain MRI generation with latent diffusion");
        root.Subcommands.Add(DemoCommand.Build());
        root.Subcommands.Add(InfoCommand.Build());
        root.Subcommands.Add(ConvertCommand.Build());
        root.Subcommands.Add(PreviewCommand.Build());
        root.Subcommands.Add(GenerateCommand.Build());
        root.Subcommands.Add(ContrastCommand.Build());
        root.Subcommands.Add(SegmentCommand.Build());
        root.Subcommands.Add(VolumesCommand.Build());
        root.Subcommands.Add(PhantomCommand.Build());
        root.Subcommands.Add(EvaluateCommand.Build());
        root.Subcommands.Add(TrainCommand.Build());
        return root;
    }

    /// <summary>Runs a command line; bad input ends as one line on stderr and exit code 1 (see <see cref="CliErrors"/>).</summary>
    public static int Run(string[] args) =>
        CliErrors.Run(() => BuildRoot().Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));

    public static int Main(string[] args) => Run(args);
}
