namespace BrainGen.Cli;

internal static class CliTorch
{
    /// <summary>
    /// Gives libtorch every core (BRAINGEN_THREADS overrides): some libtorch builds default to one
    /// intra-op thread per physical core as they detect it, which on small VMs means one.
    /// </summary>
    public static void UseAllCores()
    {
        var text = Environment.GetEnvironmentVariable("BRAINGEN_THREADS");
        int threads = int.TryParse(text, out var n) && n > 0 ? n : Environment.ProcessorCount;
        BrainGen.Torch.Torch.NumThreads = threads;
    }
}
