namespace BrainGen.Cli;

/// <summary>
/// Turns the exceptions our libraries raise for bad input (they name the file and the problem)
/// into one line on stderr and a non-zero exit code, instead of a stack trace.
/// </summary>
internal static class CliErrors
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException
                                      or UnauthorizedAccessException or FormatException or InvalidOperationException
                                      or BrainGen.Torch.TorchException)
        {
            Console.Error.WriteLine($"braingen: error: {e.Message}");
            if (Environment.GetEnvironmentVariable("BRAINGEN_DEBUG") == "1") Console.Error.WriteLine(e);
            return 1;
        }
    }
}
