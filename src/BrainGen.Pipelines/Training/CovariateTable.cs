using System.Globalization;
using BrainGen.Models.Conditioning;
using BrainGen.Torch;

namespace BrainGen.Pipelines.Training;

/// <summary>
/// Conditioning from participants.tsv: a covariate whose every value is a number is continuous,
/// normalized by the training range [min, max] (stored with the model); any other is categorical,
/// its sorted distinct values the categories (sex: F, M -> 0, 1). Every training image needs a value.
/// </summary>
public static class CovariateTable
{
    public static ConditioningSpec Spec(ConditioningConfig config, TrainingDataset data, string table)
    {
        var covariates = new List<Covariate>();
        foreach (var name in config.Covariates)
        {
            var values = data.Images.Select(image => Value(image, name, table)).ToList();
            var numbers = values.Select(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : (double?)null).ToList();
            if (numbers.All(n => n is not null))
            {
                double min = numbers.Min()!.Value, max = numbers.Max()!.Value;
                // A covariate constant over the training set still needs a non-empty range to normalize.
                if (max <= min) max = min + 1;
                covariates.Add(new Covariate { Name = name, Min = min, Max = max, Unit = UnitOf(name) });
            }
            else
            {
                covariates.Add(new Covariate { Name = name, Categories = values.Select(v => v.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToArray() });
            }
        }
        return new ConditioningSpec { Covariates = covariates, CrossAttention = config.CrossAttention, Concat = config.Concat, NullValue = config.NullValue };
    }

    /// <summary>(N, K) float32 rows of normalized covariates in image order.</summary>
    public static Tensor Rows(ConditioningSpec spec, TrainingDataset data, string table, Device device)
    {
        var rows = new float[data.Count * Math.Max(1, spec.Count)];
        for (int i = 0; i < data.Count; i++)
            for (int k = 0; k < spec.Count; k++)
                rows[i * spec.Count + k] = (float)spec.Covariates[k].Normalize(Value(data.Images[i], spec.Covariates[k].Name, table));
        return Tensor.FromArray(rows, [data.Count, Math.Max(1, spec.Count)], device);
    }

    private static string Value(TrainingImage image, string name, string table)
    {
        var entry = image.Covariates.FirstOrDefault(c => string.Equals(c.Key, name, StringComparison.OrdinalIgnoreCase));
        if (entry.Key is null)
            throw new InvalidDataException($"{table}: no column '{name}' for {image.Label} (columns: {string.Join(", ", image.Covariates.Keys)})");
        if (string.IsNullOrWhiteSpace(entry.Value) || entry.Value == "n/a")
            throw new InvalidDataException($"{table}: {image.Label} has no value for '{name}' (conditioning needs it for every training image)");
        return entry.Value;
    }

    private static string UnitOf(string name) => name.ToLowerInvariant() switch
    {
        "age" => "years",
        var n when n.EndsWith("_ml") => "mL",
        _ => "",
    };
}
