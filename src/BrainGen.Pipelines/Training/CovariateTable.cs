using System.Globalization;
using BrainGen.Models.Conditioning;
using BrainGen.Torch;

namespace BrainGen.Pipelines.Training;

/// <summary>
/// Conditioning from participants.tsv: a covariate column that holds a number is continuous,
/// normalized by the training range [min, max] (stored with the model), and then every one of its
/// cells must be a finite number (one "abc" or "NaN" among numbers is an error naming the row, not a
/// silent switch to categories); a column with no number at all is categorical, its sorted distinct
/// values the categories (sex: F, M -> 0, 1). "n/a" (or an empty cell) is BIDS's "missing"; every
/// training image needs a value.
/// </summary>
public static class CovariateTable
{
    public static ConditioningSpec Spec(ConditioningConfig config, TrainingDataset data, string table)
    {
        var covariates = new List<Covariate>();
        foreach (var name in config.Covariates)
        {
            var values = data.Images.Select(image => (image.Label, Value: RequiredValue(image, name, table))).ToList();
            if (values.Any(v => LooksNumeric(v.Value)))
            {
                foreach (var (label, value) in values)
                    if (!(TryNumber(value, out var d) && double.IsFinite(d)))
                        throw new InvalidDataException($"{table}: row {label}, column '{name}': '{value}' is not a finite number, but the column holds numbers (give a number, or n/a where it is missing)");
                var numbers = values.Select(v => { TryNumber(v.Value, out var d); return d; }).ToList();
                double min = numbers.Min(), max = numbers.Max();
                // A covariate constant over the training set still needs a non-empty range to normalize.
                if (max <= min) max = min + 1;
                covariates.Add(new Covariate { Name = name, Min = min, Max = max, Unit = UnitOf(name) });
            }
            else
            {
                covariates.Add(new Covariate { Name = name, Categories = values.Select(v => v.Value.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToArray() });
            }
        }
        return new ConditioningSpec { Covariates = covariates, CrossAttention = config.CrossAttention, Concat = config.Concat, NullValue = config.NullValue };
    }

    /// <summary>
    /// (N, K) float32 rows of normalized covariates in image order, and the (N, K) mask of the cells
    /// that hold a value; a missing cell holds the null value and is false in the mask.
    /// </summary>
    public static (Tensor Values, Tensor Given) Rows(ConditioningSpec spec, TrainingDataset data, string table, Device device)
    {
        int k = Math.Max(1, spec.Count);
        var rows = new float[data.Count * k];
        var given = new bool[data.Count * k];
        for (int i = 0; i < data.Count; i++)
            for (int c = 0; c < spec.Count; c++)
            {
                var value = Value(data.Images[i], spec.Covariates[c].Name, table);
                given[i * k + c] = value is not null;
                rows[i * k + c] = (float)(value is null ? spec.NullValue : spec.Covariates[c].Normalize(value));
            }
        return (Tensor.FromArray(rows, [data.Count, k], device), Tensor.FromArray(given, [data.Count, k], device));
    }

    // Anything double.TryParse reads (including "NaN" and "Infinity") marks a column as numeric.
    private static bool LooksNumeric(string value) => TryNumber(value, out _);

    private static bool TryNumber(string value, out double number) =>
        double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out number);

    private static string RequiredValue(TrainingImage image, string name, string table) =>
        Value(image, name, table) ?? throw new InvalidDataException($"{table}: {image.Label} has no value for '{name}' (conditioning needs it for every training image)");

    // The cell's text, or null where BIDS says missing ("n/a" or empty).
    private static string? Value(TrainingImage image, string name, string table)
    {
        var entry = image.Covariates.FirstOrDefault(c => string.Equals(c.Key, name, StringComparison.OrdinalIgnoreCase));
        if (entry.Key is null)
            throw new InvalidDataException($"{table}: no column '{name}' for {image.Label} (columns: {string.Join(", ", image.Covariates.Keys)})");
        return string.IsNullOrWhiteSpace(entry.Value) || entry.Value == "n/a" ? null : entry.Value;
    }

    private static string UnitOf(string name) => name.ToLowerInvariant() switch
    {
        "age" => "years",
        var n when n.EndsWith("_ml") => "mL",
        _ => "",
    };
}
