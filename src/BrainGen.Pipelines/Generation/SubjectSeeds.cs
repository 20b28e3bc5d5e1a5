namespace BrainGen.Pipelines.Generation;

/// <summary>
/// Per-subject seeds derived from (run seed, subject index) with SplitMix64 (Steele, Lea and Flood
/// 2014): independent of sharding, order and machine, so subject 41 of seed 7 is the same brain
/// wherever and whenever it is generated.
/// </summary>
public static class SubjectSeeds
{
    public static ulong For(ulong runSeed, long subjectIndex)
    {
        ulong z = runSeed + 0x9E3779B97F4A7C15UL * (ulong)(subjectIndex + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
