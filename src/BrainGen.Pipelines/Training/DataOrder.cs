using BrainGen.Torch;

namespace BrainGen.Pipelines.Training;

/// <summary>
/// Seeded data order: the run's k-th sample (k = step · batch + b) is image perm_e[k mod N] of
/// epoch e = k div N, where perm_e is a torch.randperm drawn from a generator seeded by (seed, e).
/// The order is a pure function of (seed, k), so a resumed run needs only the step to continue
/// exactly where a killed one stopped, and each sample's augmentation seed is derived the same way.
/// </summary>
public sealed class DataOrder(int count, ulong seed)
{
    private readonly Dictionary<long, int[]> _permutations = [];

    public int Count { get; } = count > 0 ? count : throw new ArgumentException("the data order needs at least one image");

    /// <summary>The images of step <paramref name="step"/>'s batch, each with its global sample index.</summary>
    public (int Image, long Sample)[] Batch(long step, int batchSize)
    {
        var result = new (int, long)[batchSize];
        for (int b = 0; b < batchSize; b++)
        {
            long k = step * batchSize + b;
            result[b] = (Permutation(k / Count)[k % Count], k);
        }
        return result;
    }

    public int[] Permutation(long epoch)
    {
        if (_permutations.TryGetValue(epoch, out var cached)) return cached;
        using var generator = new Generator(Mix(seed, (ulong)epoch, 0x5eed_da7aUL));
        using var perm = Tensor.RandPerm(Count, generator);
        var result = perm.ToArray<long>().Select(i => (int)i).ToArray();
        if (_permutations.Count > 4) _permutations.Clear();
        _permutations[epoch] = result;
        return result;
    }

    /// <summary>The augmentation seed of global sample <paramref name="sample"/>.</summary>
    public static ulong SampleSeed(ulong seed, long sample) => Mix(seed, (ulong)sample, 0xa11_9e47UL);

    /// <summary>SplitMix64 over the inputs: well-spread seeds from small consecutive integers.</summary>
    public static ulong Mix(ulong a, ulong b, ulong salt)
    {
        ulong z = a * 0x9E3779B97F4A7C15UL ^ (b + salt) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
