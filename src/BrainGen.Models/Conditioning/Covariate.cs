using System.Globalization;
using System.Text.Json.Serialization;

namespace BrainGen.Models.Conditioning;

/// <summary>
/// One conditioning variable and how raw values map into the network's [0, 1] range: continuous
/// ones by their training range (stored with the model), categorical ones by their index among the
/// categories (e.g. sex: F, M -> 0, 1). Values outside the range are allowed but reported, since
/// the model never saw them.
/// </summary>
public sealed record Covariate
{
    public required string Name { get; init; }

    /// <summary>Categories in index order; empty for a continuous covariate.</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    public double Min { get; init; }
    public double Max { get; init; } = 1;

    /// <summary>The unit of raw values, for messages and model cards (e.g. "years", "mL").</summary>
    public string Unit { get; init; } = "";

    [JsonIgnore] public bool IsCategorical => Categories.Count > 0;

    /// <summary>Parses a raw value given on the command line or in participants.tsv and normalizes it.</summary>
    public double Normalize(string raw)
    {
        if (IsCategorical)
        {
            for (int i = 0; i < Categories.Count; i++)
                if (string.Equals(Categories[i], raw.Trim(), StringComparison.OrdinalIgnoreCase))
                    return Categories.Count == 1 ? 0 : (double)i / (Categories.Count - 1);
            throw new ArgumentException($"{Name}: '{raw}' is not one of {string.Join(", ", Categories)}");
        }
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw new ArgumentException($"{Name}: '{raw}' is not a number");
        return Normalize(value);
    }

    public double Normalize(double value)
    {
        if (IsCategorical) throw new InvalidOperationException($"{Name} is categorical: give one of {string.Join(", ", Categories)}");
        if (Max <= Min) throw new InvalidOperationException($"{Name}: range [{Min}, {Max}] is empty");
        return (value - Min) / (Max - Min);
    }

    /// <summary>The raw value of a normalized one (continuous), or the category name (categorical).</summary>
    public string Denormalize(double normalized) => IsCategorical
        ? Categories[(int)Math.Clamp(Math.Round(normalized * (Categories.Count - 1)), 0, Categories.Count - 1)]
        : (Min + normalized * (Max - Min)).ToString("G6", CultureInfo.InvariantCulture);

    public bool InTrainingRange(double normalized) => normalized is >= -1e-9 and <= 1 + 1e-9;
}
