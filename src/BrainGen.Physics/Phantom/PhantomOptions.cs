using BrainGen.Physics.Signal;

namespace BrainGen.Physics.Phantom;

/// <summary>Everything that defines a phantom cohort; the same options and seed give the same files.</summary>
public sealed record PhantomOptions
{
    public int Subjects { get; init; } = 10;
    public ulong Seed { get; init; } = 1;
    public double ResolutionMm { get; init; } = 2;
    public double MinAge { get; init; } = 44;
    public double MaxAge { get; init; } = 82;
    /// <summary>Follow-up visits per subject after the baseline (0: no sessions).</summary>
    public int FollowUps { get; init; }
    public double FollowUpIntervalYears { get; init; } = 2;
    /// <summary>BIDS suffix → protocol preset name, in output order.</summary>
    public IReadOnlyList<(string Suffix, string Preset)> Modalities { get; init; } =
        [("T1w", "ukb-t1"), ("T2w", "se-t2w-3t"), ("FLAIR", "oasis3-flair"), ("PDw", "se-pdw-3t")];
    public double NoiseFraction { get; init; } = 0.02;
    public double BiasAmplitude { get; init; } = 0.1;
    public bool SkullStrip { get; init; }
    /// <summary>Also write the PD/T1/T2/T2* maps (the physics-informed LDM's training targets).</summary>
    public bool WriteTissueMaps { get; init; } = true;
    /// <summary>RMS of the random smooth anatomical variability, mm.</summary>
    public double VariabilityMm { get; init; } = 1.5;
    public string? TemplateDirectory { get; init; }
    /// <summary>Subjects simulated at once (0: one per core).</summary>
    public int MaxParallelism { get; init; }

    public void Validate()
    {
        if (Subjects < 1) throw new ArgumentException($"--subjects must be >= 1, got {Subjects}");
        if (!(MinAge > 0) || !(MaxAge >= MinAge)) throw new ArgumentException($"--min-age/--max-age: need 0 < min <= max, got {MinAge}..{MaxAge}");
        if (FollowUps < 0) throw new ArgumentException($"--followups must be >= 0, got {FollowUps}");
        if (!(FollowUpIntervalYears > 0)) throw new ArgumentException($"--interval must be > 0 years, got {FollowUpIntervalYears}");
        if (!(NoiseFraction is >= 0 and < 1)) throw new ArgumentException($"--noise must be in [0, 1), got {NoiseFraction}");
        if (!(BiasAmplitude is >= 0 and < 1)) throw new ArgumentException($"--bias must be in [0, 1), got {BiasAmplitude}");
        if (!(VariabilityMm >= 0)) throw new ArgumentException($"--variability must be >= 0 mm, got {VariabilityMm}");
        if (Modalities.Count == 0) throw new ArgumentException("--modalities: at least one modality is needed");
        foreach (var (suffix, preset) in Modalities)
        {
            if (string.IsNullOrWhiteSpace(suffix) || suffix.Any(c => !char.IsLetterOrDigit(c)))
                throw new ArgumentException($"--modalities: '{suffix}' is not a valid BIDS suffix");
            ProtocolPresets.Get(preset).Validate();
        }
        if (Modalities.Select(m => m.Suffix).Distinct(StringComparer.OrdinalIgnoreCase).Count() != Modalities.Count)
            throw new ArgumentException("--modalities: each suffix may appear once");
    }

    /// <summary>Parses "T1w=ukb-t1,FLAIR=ukb-flair" or plain suffixes ("t1w,flair") using the default presets.</summary>
    public static IReadOnlyList<(string Suffix, string Preset)> ParseModalities(string text)
    {
        var defaults = new PhantomOptions().Modalities.ToDictionary(m => m.Suffix, m => m.Preset, StringComparer.OrdinalIgnoreCase);
        var result = new List<(string, string)>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length == 2) { result.Add((kv[0], kv[1])); continue; }
            var match = defaults.Keys.FirstOrDefault(k => string.Equals(k, kv[0], StringComparison.OrdinalIgnoreCase))
                        ?? throw new ArgumentException($"--modalities: unknown modality '{kv[0]}' (known: {string.Join(", ", defaults.Keys)}, or SUFFIX=preset)");
            result.Add((match, defaults[match]));
        }
        return result;
    }
}
