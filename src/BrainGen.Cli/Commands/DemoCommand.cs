using System.CommandLine;

namespace BrainGen.Cli.Commands;

/// <summary>`braingen demo`: the main job on the bundled default (grows as the toolkit does).</summary>
internal static class DemoCommand
{
    public static Command Build()
    {
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "output folder", DefaultValueFactory = _ => new DirectoryInfo("out/demo") };
        var command = new Command("demo", "run the end-to-end demo on the bundled default (Colin27)") { output };
        command.SetAction(parse =>
        {
            var dir = parse.GetValue(output)!;
            dir.Create();
            Console.WriteLine($"demo output: {dir.FullName}");
            return 0;
        });
        return command;
    }
}
