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
        root.Subcommands.Add(ContrastCommand.Build());
        root.Subcommands.Add(SegmentCommand.Build());
        root.Subcommands.Add(VolumesCommand.Build());
        root.Subcommands.Add(PhantomCommand.Build());
        return root;
    }

    public static int Main(string[] args) => CliErrors.Run(() => BuildRoot().Parse(args).Invoke());
}
