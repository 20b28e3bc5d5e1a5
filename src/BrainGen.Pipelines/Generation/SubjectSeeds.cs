namespace BrainGen.Pipelines.Generation;

/// <summary>
/// Subject k of a run with seed S is generated from seed S + k, whatever the shard, the order or the
/// machine, so subject 41 of seed 7 is the same brain everywhere, and PyTorch reproduces its noise
/// with <c>torch.manual_seed(S + k); torch.randn(shape)</c>. (Consecutive seeds give independent
/// Mersenne Twister streams: libtorch seeds mt19937 through its initialization recurrence.)
/// </summary>
public static class SubjectSeeds
{
    public static ulong For(ulong runSeed, long subjectIndex) => unchecked(runSeed + (ulong)subjectIndex);
}
