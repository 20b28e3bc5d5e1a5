using System.Text.Json;
using BrainGen.Imaging;
using BrainGen.Torch;

namespace BrainGen.Pipelines.Training;

/// <summary>One preprocessed training image and the covariates of its subject (and session).</summary>
public sealed record TrainingImage(string Subject, string? Session, string Path, Volume Volume, IReadOnlyDictionary<string, string?> Covariates)
{
    public string Label => Session is null ? $"sub-{Subject}" : $"sub-{Subject}_ses-{Session}";
}

/// <summary>
/// A BIDS cohort loaded for training: every image of one modality, preprocessed once and kept in
/// memory (a 4 mm cohort is kilobytes a subject; at 1 mm stage 1 would stream instead, see
/// docs/training.md). Batches come from <see cref="DataOrder"/>, so they depend only on the seed
/// and the step, never on how the run was interrupted.
/// </summary>
public sealed class TrainingDataset
{
    private TrainingDataset(string root, IReadOnlyList<TrainingImage> images, PreprocessingConfig preprocessing)
    {
        (Root, Images, Preprocessing) = (root, images, preprocessing);
    }

    public string Root { get; }
    public IReadOnlyList<TrainingImage> Images { get; }
    public PreprocessingConfig Preprocessing { get; }
    public int Count => Images.Count;

    public static TrainingDataset Load(DataConfig data, PreprocessingConfig? preprocessing = null)
    {
        var prep = preprocessing ?? data.Preprocessing;
        var cohort = BidsDataset.Read(data.Root, [data.Modality]);
        var rows = cohort.Rows.Where(r => r.Modality == data.Modality).ToList();
        if (data.MaxImages > 0) rows = rows.Take(data.MaxImages).ToList();
        if (rows.Count == 0)
        {
            var why = cohort.Skipped.Count > 0 ? $" ({string.Join("; ", cohort.Skipped.Take(3).Select(s => $"sub-{s.Subject}: {s.Reason}"))})" : "";
            throw new InvalidDataException($"{data.Root}: no {data.Modality} images to train on{why}");
        }
        var images = new TrainingImage[rows.Count];
        try
        {
            Parallel.For(0, rows.Count, i =>
            {
                var r = rows[i];
                Volume volume;
                try { volume = Preprocess(Nifti.Read(r.Path), prep); }
                catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or FormatException or OverflowException)
                {
                    throw new InvalidDataException(e.Message.StartsWith(r.Path, StringComparison.Ordinal) ? e.Message : $"{r.Path}: {e.Message}", e);
                }
                images[i] = new TrainingImage(r.Subject, r.Session, r.Path, volume, r.Covariates);
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // The first failing image, as if read one by one (Parallel.For wraps every worker's error).
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        return new TrainingDataset(cohort.Root, images, prep);
    }

    /// <summary>RAS+, resample to the spacing, centred crop/pad to the shape, then intensity normalization.</summary>
    public static Volume Preprocess(Volume v, PreprocessingConfig p)
    {
        var canonical = v.ToCanonical();
        var spacing = canonical.Spacing;
        var resampled = spacing.Zip(p.Spacing).All(s => Math.Abs(s.First - s.Second) < 1e-6) ? canonical : canonical.ResampleToSpacing(p.Spacing);
        var shaped = resampled.CropOrPad(p.Shape);
        return p.Normalization switch
        {
            "percentile" => IntensityNormalization.PercentileClip(shaped, p.PercentileLow, p.PercentileHigh),
            "minmax" => IntensityNormalization.MinMax(shaped),
            _ => shaped,
        };
    }

    /// <summary>(B, 1, X, Y, Z) for the given images, each augmented with its sample's own generator when <paramref name="augmentation"/> is set.</summary>
    public Tensor Batch(IReadOnlyList<(int Image, long Sample)> items, AugmentationConfig? augmentation, ulong seed, Device device)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var tensors = items.Select(item =>
        {
            var volume = Images[item.Image].Volume;
            if (augmentation is not null) volume = Augment(volume, augmentation, DataOrder.SampleSeed(seed, item.Sample));
            return VolumeTensor.ToTensor(volume, device);
        }).ToArray();
        return Tensor.Cat(tensors).MoveToOuterScope();
    }

    /// <summary>Flips and a global intensity scale/shift drawn from a generator seeded for this one sample.</summary>
    public static Volume Augment(Volume v, AugmentationConfig a, ulong sampleSeed)
    {
        using var generator = new Generator(sampleSeed);
        using var draws = Tensor.Rand([3 + 3], generator, DType.Float64);
        var u = draws.ToArray<double>();
        var data = (float[])v.Data.Clone();
        var (nx, ny, nz) = (v.Shape[0], v.Shape[1], v.Shape[2]);
        foreach (var axis in a.FlipAxes.Where(ax => ax is >= 0 and < 3))
            if (u[axis] < a.FlipProbability) Flip(data, nx, ny, nz, axis);
        double scale = 1 + a.IntensityScale * (2 * u[3] - 1), shift = a.IntensityShift * (2 * u[4] - 1);
        for (int i = 0; i < data.Length; i++) data[i] = (float)(data[i] * scale + shift);
        return v.WithData(data);
    }

    // NIfTI order: x fastest.
    private static void Flip(float[] d, int nx, int ny, int nz, int axis)
    {
        int n = axis switch { 0 => nx, 1 => ny, _ => nz };
        for (int z = 0; z < nz; z++)
        for (int y = 0; y < ny; y++)
        for (int x = 0; x < nx; x++)
        {
            int c = axis switch { 0 => x, 1 => y, _ => z };
            if (c >= n - 1 - c) continue;
            int i = x + nx * (y + ny * z);
            int j = axis switch { 0 => (n - 1 - x) + nx * (y + ny * z), 1 => x + nx * ((n - 1 - y) + ny * z), _ => x + nx * (y + ny * (n - 1 - z)) };
            (d[i], d[j]) = (d[j], d[i]);
        }
    }

    /// <summary>Which images were used and how they were prepared (the latent cache checks it).</summary>
    public string Fingerprint() => JsonSerializer.Serialize(new
    {
        Images = Images.Select(i => i.Path).ToArray(),
        Preprocessing,
    });
}
