using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BrainGen.Pipelines.Evaluation;

/// <summary>
/// One reported number: its group (diversity, reconstruction, realism, conditioning), name, value
/// (null when it could not be computed, with the reason in <see cref="Note"/>), spread over pairs or
/// images where it is a mean, and how many pairs/images it rests on.
/// </summary>
public sealed record MetricResult(string Group, string Metric, double? Value, double? Std, int Count, string? Note = null)
{
    [JsonIgnore]
    public string Formatted => Value is { } v ? (Std is { } s ? $"{Format(v)} ± {Format(s)}" : Format(v)) : "n/a";

    // Four decimals, or four significant digits in scientific form for small values (FID/MMD of close
    // sets), so that a small non-zero value never prints as 0.0000.
    private static string Format(double v) =>
        v == 0 || Math.Abs(v) >= 0.01 || !double.IsFinite(v) ? v.ToString("0.0000", CultureInfo.InvariantCulture) : v.ToString("0.000E+0", CultureInfo.InvariantCulture);

    /// <summary>Mean and sample standard deviation of per-pair values (std null for fewer than two).</summary>
    public static MetricResult Summary(string group, string metric, IReadOnlyList<double> values, string? note = null)
    {
        if (values.Count == 0) return new MetricResult(group, metric, null, null, 0, note ?? "no pairs");
        double mean = values.Average();
        double? std = values.Count > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)) : null;
        return new MetricResult(group, metric, mean, std, values.Count, note);
    }
}

/// <summary>What `braingen evaluate` measured, on what, and what it could not measure and why.</summary>
public sealed record EvaluationReport
{
    public required string Real { get; init; }
    public required string Synthetic { get; init; }
    public string? Reconstructions { get; init; }
    public required int RealCount { get; init; }
    public required int SyntheticCount { get; init; }
    public required string Grid { get; init; }
    public string? FeatureExtractor { get; init; }
    public string? FeatureDescription { get; init; }
    public required int Seed { get; init; }
    public required IReadOnlyList<MetricResult> Metrics { get; init; }
    public required IReadOnlyList<string> Notes { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,  // PSNR of identical images is +inf
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,  // the file is read by people and tools, not embedded in HTML
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public MetricResult? Find(string group, string metric) => Metrics.FirstOrDefault(m => m.Group == group && m.Metric == metric);
}
