namespace BrainGen.Bench;

/// <summary>
/// `dotnet run -c Release --project bench/BrainGen.Bench -- SUITE`: each suite times BrainGen and
/// runs its PyTorch/MONAI/nibabel counterpart from bench/python on the same machine, then prints
/// medians of several runs and the ratio. Results go in docs/performance.md.
/// </summary>
public static class Program
{
    private static readonly Dictionary<string, Func<string[], int>> Suites = new()
    {
        ["nifti"] = NiftiSuite.Run,
        ["engine"] = EngineBench.Run,
        ["ldm"] = LdmBench.Run,
    };

    public static int Main(string[] args)
    {
        if (args.Length == 0 || !Suites.TryGetValue(args[0], out var suite))
        {
            Console.Error.WriteLine($"usage: BrainGen.Bench <{string.Join('|', Suites.Keys)}> [options]");
            return 2;
        }
        return suite(args[1..]);
    }
}
