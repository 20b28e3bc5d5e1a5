using System.Text.Json;
using BrainGen.Imaging;
using BrainGen.Torch;

namespace BrainGen.Pipelines.Evaluation;

/// <summary>One image of a set: its id (subject[_ses-X] in BIDS, file stem otherwise), path and covariates by name.</summary>
public sealed record EvaluationImage(string Id, string Path, IReadOnlyDictionary<string, string?> Covariates)
{
    /// <summary>A covariate as a number, or null when absent or not numeric.</summary>
    public double? Number(string name) =>
        Covariates.TryGetValue(name, out var s) && double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;
}

public enum IntensityScaling { MinMax, Percentile }

/// <summary>
/// The grid and intensity scale every image is brought to before comparison: resampled (trilinear) to
/// <see cref="Spacing"/>, normalized, then centre-cropped or zero-padded to <see cref="Shape"/>.
/// Min-max maps each volume to [0, 1] as Pinaya et al. prepared UK Biobank; percentile clips at
/// 0.5/99.5 % first (robust to hot voxels). Both sets go through the same steps.
/// </summary>
public sealed record EvaluationGrid(int[] Shape, double[] Spacing, IntensityScaling Scaling = IntensityScaling.MinMax)
{
    public override string ToString() =>
        $"{string.Join("x", Shape)} at {string.Join("x", Spacing.Select(s => s.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)))} mm, {Scaling.ToString().ToLowerInvariant()} intensities";
}

/// <summary>
/// Lists and prepares the images of an evaluation set: a BIDS dataset (sub-*/[ses-*/]anat, covariates
/// from participants.tsv, and for `braingen generate` output the requested covariates of each image's
/// JSON sidecar, GenerationParameters.Covariates) or a plain folder of .nii/.nii.gz files.
/// </summary>
public static class EvaluationDataset
{
    /// <summary>The images of a set; in a BIDS dataset only those of <paramref name="modality"/> (e.g. T1w), since sets are compared image to image.</summary>
    public static IReadOnlyList<EvaluationImage> List(string folder, string role, string modality = "T1w")
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"--{role}: folder {folder} not found");
        var images = Directory.EnumerateDirectories(folder, "sub-*").Any() ? FromBids(folder, modality) : FromPlainFolder(folder);
        if (images.Count == 0) throw new InvalidDataException($"--{role}: {folder} holds no NIfTI images (.nii or .nii.gz, plain or BIDS; in BIDS, {modality} images)");
        var duplicate = images.GroupBy(i => i.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidDataException($"--{role}: {folder} has several images for '{duplicate.Key}' ({string.Join(", ", duplicate.Select(d => d.Path))})");
        return images;
    }

    private static List<EvaluationImage> FromBids(string root, string modality)
    {
        var cohort = BidsDataset.Read(root);
        return cohort.Rows.Where(row => string.Equals(row.Modality, modality, StringComparison.OrdinalIgnoreCase)).Select(row =>
        {
            var covariates = new Dictionary<string, string?>(row.Covariates, StringComparer.OrdinalIgnoreCase);
            foreach (var (k, v) in RequestedCovariates(row.Path)) covariates[k] = v;
            var id = row.Session is null ? row.Subject : $"{row.Subject}_ses-{row.Session}";
            if (cohort.Rows.Count(r => r.Subject == row.Subject && r.Session == row.Session) > 1) id += $"_{row.Modality}";
            return new EvaluationImage(id, row.Path, covariates);
        }).ToList();
    }

    private static List<EvaluationImage> FromPlainFolder(string folder) =>
        Directory.EnumerateFiles(folder)
            .Where(f => f.EndsWith(".nii", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".nii.gz", StringComparison.OrdinalIgnoreCase))
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => new EvaluationImage(PlainId(Nifti.FileStem(f)), f, RequestedCovariates(f)))
            .ToList();

    // BIDS-named files in a plain folder (sub-01_T1w.nii.gz) keep their subject[_ses-X] as id, so
    // reconstructions saved that way pair with a BIDS real set; other files are known by their stem.
    private static string PlainId(string stem)
    {
        var m = System.Text.RegularExpressions.Regex.Match(stem, "^sub-([A-Za-z0-9]+)(_ses-([A-Za-z0-9]+))?(_|$)");
        return !m.Success ? stem : m.Groups[3].Success ? $"{m.Groups[1].Value}_ses-{m.Groups[3].Value}" : m.Groups[1].Value;
    }

    /// <summary>GenerationParameters.Covariates of the image's JSON sidecar (written by `braingen generate`), if any.</summary>
    public static IReadOnlyDictionary<string, string?> RequestedCovariates(string imagePath)
    {
        var sidecar = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(imagePath) ?? ".", Nifti.FileStem(imagePath) + ".json");
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (!File.Exists(sidecar)) return result;
        try
        {
            using var doc = JsonDocument.Parse(BoundedFile.ReadAllText(sidecar, BoundedFile.ConfigBytes, "JSON sidecar"));
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("GenerationParameters", out var p) && p.ValueKind == JsonValueKind.Object
                && p.TryGetProperty("Covariates", out var c) && c.ValueKind == JsonValueKind.Object)
                foreach (var e in c.EnumerateObject())
                    result[e.Name] = e.Value.ValueKind == JsonValueKind.String ? e.Value.GetString() : e.Value.GetRawText();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{sidecar}: {e.Message}", e);
        }
        return result;
    }

    /// <summary>The image in RAS+ orientation, as read.</summary>
    public static Volume Read(EvaluationImage image) => Nifti.Read(image.Path).ToCanonical();

    /// <summary>The grid of a reference volume, or <paramref name="shape"/> at its spacing.</summary>
    public static EvaluationGrid GridOf(Volume reference, int[]? shape, IntensityScaling scaling) =>
        new(shape ?? reference.Shape, reference.Spacing, scaling);

    /// <summary>The volume resampled, normalized and cropped/padded to the grid, as a (1, 1, X, Y, Z) tensor.</summary>
    public static Tensor Prepare(Volume volume, EvaluationGrid grid)
    {
        var v = volume;
        if (v.Spacing.Zip(grid.Spacing).Any(p => Math.Abs(p.First - p.Second) > 1e-3 * p.Second))
            v = v.ResampleToSpacing(grid.Spacing);
        v = grid.Scaling == IntensityScaling.Percentile ? IntensityNormalization.PercentileClip(v) : IntensityNormalization.MinMax(v);
        if (!v.Shape.SequenceEqual(grid.Shape)) v = v.CropOrPad(grid.Shape);
        return VolumeTensor.ToTensor(v);
    }
}
