namespace BrainGen.Physics;

/// <summary>
/// xoshiro256** (Blackman and Vigna 2018) seeded through SplitMix64: a small, fast generator whose
/// streams are fixed by this file, not by a runtime version (System.Random's algorithm may change).
/// Each subject, session and image gets its own instance from <see cref="SeedHash"/>, so no generator
/// is shared between threads and results do not depend on scheduling.
/// </summary>
public sealed class DeterministicRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareGaussian;

    public DeterministicRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SeedHash.SplitMix64(ref x); _s1 = SeedHash.SplitMix64(ref x);
        _s2 = SeedHash.SplitMix64(ref x); _s3 = SeedHash.SplitMix64(ref x);
    }

    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform on [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public double Uniform(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>Standard normal by the polar Box–Muller method (a spare value is kept for the next call).</summary>
    public double NextGaussian()
    {
        if (_spareGaussian is { } spare) { _spareGaussian = null; return spare; }
        double u, v, s;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double m = Math.Sqrt(-2 * Math.Log(s) / s);
        _spareGaussian = v * m;
        return u * m;
    }

    public double Gaussian(double mean, double sd) => mean + sd * NextGaussian();

    public bool Bernoulli(double p) => NextDouble() < p;

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}

/// <summary>
/// Derives independent seeds from (cohort seed, subject index, purpose): seed' = SplitMix64 finalizer
/// applied to the seed mixed with each part in turn (h ← mix(h ⊕ part·0x9E3779B97F4A7C15)). The same
/// inputs give the same seed on every machine; neighbouring indices give unrelated streams.
/// </summary>
public static class SeedHash
{
    public static ulong Derive(ulong seed, params ulong[] parts)
    {
        ulong h = Mix(seed ^ 0x243F6A8885A308D3UL);
        foreach (var part in parts) h = Mix(h ^ (part * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL));
        return h;
    }

    /// <summary>The SplitMix64 output function (Steele, Lea and Flood 2014).</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public static ulong SplitMix64(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }
}
