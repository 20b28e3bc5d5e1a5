using System.Globalization;

namespace BrainGen.Imaging;

/// <summary>One anatomical image of a cohort, with the covariates of its subject and session.</summary>
public sealed record CohortRow(string Subject, string? Session, string Modality, string Path, IReadOnlyDictionary<string, string?> Covariates)
{
    /// <summary>A covariate as a number, or null when missing ("n/a") or not numeric.</summary>
    public double? Number(string column) =>
        Covariates.TryGetValue(column, out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    public string? Text(string column) => Covariates.TryGetValue(column, out var s) ? s : null;
}

/// <summary>A subject left out of the cohort, and why.</summary>
public sealed record SkippedSubject(string Subject, string Reason);

/// <summary>The result of reading a BIDS dataset: images with covariates, plus what was left out.</summary>
public sealed class BidsCohort
{
    public required string Root { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyList<CohortRow> Rows { get; init; }
    public required IReadOnlyList<SkippedSubject> Skipped { get; init; }

    /// <summary>Problems that did not exclude anything (e.g. a subject missing from participants.tsv).</summary>
    public required IReadOnlyList<string> Warnings { get; init; }

    public IEnumerable<string> Subjects => Rows.Select(r => r.Subject).Distinct();

    /// <summary>A human-readable account of what was read and skipped.</summary>
    public string Report()
    {
        var lines = new List<string>
        {
            $"{Name}: {Rows.Count} images from {Subjects.Count()} subjects ({string.Join(", ", Rows.GroupBy(r => r.Modality).Select(g => $"{g.Count()} {g.Key}"))})",
        };
        lines.AddRange(Skipped.Select(s => $"skipped sub-{s.Subject}: {s.Reason}"));
        lines.AddRange(Warnings.Select(w => $"warning: {w}"));
        return string.Join('\n', lines);
    }
}
