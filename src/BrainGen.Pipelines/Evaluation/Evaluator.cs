using BrainGen.Imaging;
using BrainGen.Physics.Phantom;
using BrainGen.Torch;
using MathNet.Numerics.LinearAlgebra;

namespace BrainGen.Pipelines.Evaluation;

/// <summary>Inputs and choices of one evaluation; defaults follow Pinaya et al. 2022 where they apply.</summary>
public sealed record EvaluationOptions
{
    public required string RealFolder { get; init; }
    public required string SyntheticFolder { get; init; }
    public string? ReconstructionFolder { get; init; }
    /// <summary>Owned by the caller; null skips FID, MMD and the age check (the report says so).</summary>
    public IFeatureExtractor? Features { get; init; }
    /// <summary>Image pairs per set for MS-SSIM and 4-G-R-SSIM (the paper: 1000); all pairs when fewer exist.</summary>
    public int MaxPairs { get; init; } = 100;
    public int Seed { get; init; }
    /// <summary>Common grid shape; null: the first real image's. Spacing is always the first real image's.</summary>
    public int[]? Shape { get; init; }
    public IntensityScaling Scaling { get; init; } = IntensityScaling.MinMax;
    /// <summary>The BIDS suffix compared in BIDS sets (plain folders are taken whole).</summary>
    public string Modality { get; init; } = "T1w";
    /// <summary>Segment synthetic images to compare requested and measured volumes (slow on large images).</summary>
    public bool MeasureVolumes { get; init; } = true;
    /// <summary>MS-SSIM as Pinaya et al.: 3D, kernel 7, data range 1, MONAI's weights.</summary>
    public SsimOptions MsSsim { get; init; } = new() { KernelSize = 7 };
    public Action<string>? Log { get; init; }
}

/// <summary>
/// The whole `braingen evaluate` computation: diversity (MS-SSIM and 4-G-R-SSIM over seeded random pairs
/// of synthetic images, and of real images for reference), reconstruction quality (SSIM, PSNR, MAE
/// against the real image of the same id), realism (FID and MMD over extractor features) and
/// conditioning fidelity (requested vs measured brain and ventricle volume, requested vs predicted age).
/// What cannot be computed is reported with the reason instead of failing the run.
/// </summary>
public sealed class Evaluator(EvaluationOptions options)
{
    private readonly List<MetricResult> _metrics = [];
    private readonly List<string> _notes = [];

    public EvaluationReport Run()
    {
        if (options.MaxPairs < 1) throw new ArgumentException($"--max-pairs must be at least 1, got {options.MaxPairs}");
        var real = EvaluationDataset.List(options.RealFolder, "real", options.Modality);
        var synthetic = EvaluationDataset.List(options.SyntheticFolder, "synthetic", options.Modality);
        // Reconstructions are paired first: a folder that matches nothing fails before any long computation.
        var reconstructions = options.ReconstructionFolder is { } folder ? MatchReconstructions(real, folder) : null;
        var grid = EvaluationDataset.GridOf(EvaluationDataset.Read(real[0]), options.Shape, options.Scaling);
        options.Log?.Invoke($"{real.Count} real and {synthetic.Count} synthetic images on a {grid} grid");
        using var realSet = new PreparedSet(real, grid);
        using var syntheticSet = new PreparedSet(synthetic, grid);

        Diversity("synthetic", syntheticSet, grid);
        Diversity("real", realSet, grid);
        if (reconstructions is not null) Reconstructions(reconstructions, realSet, grid);

        Matrix<double>? realFeatures = null, syntheticFeatures = null;
        if (options.Features is { } extractor)
        {
            options.Log?.Invoke($"features: {extractor.Description}");
            realFeatures = Features(realSet, extractor);
            syntheticFeatures = Features(syntheticSet, extractor);
            Realism(realFeatures, syntheticFeatures);
        }
        else _notes.Add("FID, MMD and the age check need a feature extractor: pass --features medicalnet:PATH.pth or autoencoder:MODEL_DIR");

        Volumes(synthetic);
        Age(real, synthetic, realFeatures, syntheticFeatures);

        return new EvaluationReport
        {
            Real = options.RealFolder,
            Synthetic = options.SyntheticFolder,
            Reconstructions = options.ReconstructionFolder,
            RealCount = real.Count,
            SyntheticCount = synthetic.Count,
            Grid = grid.ToString(),
            FeatureExtractor = options.Features?.Name,
            FeatureDescription = options.Features?.Description,
            Seed = options.Seed,
            Metrics = _metrics,
            Notes = _notes,
        };
    }

    /// <summary>Up to <paramref name="max"/> distinct unordered pairs of n items, seeded; every pair when there are no more.</summary>
    public static IReadOnlyList<(int A, int B)> Pairs(int n, int max, int seed)
    {
        var all = new List<(int, int)>();
        for (int a = 0; a < n; a++)
            for (int b = a + 1; b < n; b++) all.Add((a, b));
        if (all.Count <= max) return all;
        var shuffled = all.ToArray();
        new Random(seed).Shuffle(shuffled);
        return shuffled.Take(max).OrderBy(p => p).ToList();
    }

    private void Diversity(string set, PreparedSet images, EvaluationGrid grid)
    {
        const string group = "diversity";
        var pairs = Pairs(images.Count, options.MaxPairs, options.Seed + (set == "real" ? 1 : 0));
        if (pairs.Count == 0)
        {
            _metrics.Add(new MetricResult(group, $"MS-SSIM ({set})", null, null, 0, $"needs at least two {set} images"));
            _metrics.Add(new MetricResult(group, $"4-G-R-SSIM ({set})", null, null, 0, $"needs at least two {set} images"));
            return;
        }
        int minimum = MultiScaleSsim.MinimumSize(options.MsSsim.KernelSize);
        bool msOk = grid.Shape.All(s => s >= minimum);
        var ms = new List<double>();
        var four = new List<double>();
        options.Log?.Invoke($"diversity of {set} images over {pairs.Count} pairs");
        foreach (var (a, b) in pairs)
        {
            using var scope = Torch.Torch.NewDisposeScope();
            var x = images.Get(a);
            var y = images.Get(b);
            if (msOk) ms.Add(MultiScaleSsim.Compute(x, y, options.MsSsim).ToDouble());
            four.Add(FourComponentGradientSsim.Compute(x, y).ToDouble());
        }
        _metrics.Add(msOk
            ? MetricResult.Summary(group, $"MS-SSIM ({set})", ms)
            : new MetricResult(group, $"MS-SSIM ({set})", null, null, 0,
                $"the grid {string.Join("x", grid.Shape)} is below the {minimum} voxels per side that 5 scales with kernel {options.MsSsim.KernelSize} need (MONAI's rule); set --shape"));
        _metrics.Add(MetricResult.Summary(group, $"4-G-R-SSIM ({set})", four));
    }

    // (reconstruction, index of the real image of the same id)
    private List<(EvaluationImage Image, int Real)> MatchReconstructions(IReadOnlyList<EvaluationImage> real, string folder)
    {
        var recon = EvaluationDataset.List(folder, "reconstructions", options.Modality);
        var byId = real.Select((r, i) => (r.Id, i)).ToDictionary(p => p.Id, p => p.i);
        var matched = recon.Where(r => byId.ContainsKey(r.Id)).Select(r => (r, byId[r.Id])).ToList();
        if (matched.Count == 0)
            throw new InvalidDataException($"--reconstructions: no image of {folder} matches a real image by subject (real ids: {string.Join(", ", real.Take(5).Select(r => r.Id))}{(real.Count > 5 ? ", ..." : "")})");
        if (matched.Count < recon.Count)
            _notes.Add($"{recon.Count - matched.Count} reconstruction(s) have no real image of the same subject and were left out: {string.Join(", ", recon.Where(r => !byId.ContainsKey(r.Id)).Take(5).Select(r => r.Id))}");
        return matched;
    }

    private void Reconstructions(List<(EvaluationImage Image, int Real)> matched, PreparedSet realSet, EvaluationGrid grid)
    {
        const string group = "reconstruction";
        var ssim = new List<double>();
        var psnr = new List<double>();
        var mae = new List<double>();
        foreach (var (image, realIndex) in matched)
        {
            using var scope = Torch.Torch.NewDisposeScope();
            var target = realSet.Get(realIndex);
            var prediction = EvaluationDataset.Prepare(EvaluationDataset.Read(image), grid);
            ssim.Add(Ssim.Compute(prediction, target).ToDouble());
            psnr.Add(ErrorMetrics.PeakSignalToNoiseRatio(prediction, target).ToDouble());
            mae.Add(ErrorMetrics.MeanAbsoluteError(prediction, target).ToDouble());
        }
        _metrics.Add(MetricResult.Summary(group, "SSIM", ssim));
        _metrics.Add(MetricResult.Summary(group, "PSNR (dB)", psnr));
        _metrics.Add(MetricResult.Summary(group, "MAE", mae));
    }

    private static Matrix<double> Features(PreparedSet images, IFeatureExtractor extractor)
    {
        var rows = new List<double[]>();
        for (int i = 0; i < images.Count; i++)
        {
            using var scope = Torch.Torch.NewDisposeScope();
            rows.Add(extractor.Extract(images.Get(i)).To(DType.Float64).ToArray<double>());
        }
        return Matrix<double>.Build.DenseOfRowArrays(rows);
    }

    private void Realism(Matrix<double> real, Matrix<double> synthetic)
    {
        const string group = "realism";
        if (real.RowCount < 2 || synthetic.RowCount < 2)
        {
            var why = $"needs at least two images per set (have {real.RowCount} real, {synthetic.RowCount} synthetic)";
            _metrics.Add(new MetricResult(group, "FID", null, null, 0, why));
            _metrics.Add(new MetricResult(group, "MMD", null, null, 0, why));
            return;
        }
        int n = real.RowCount + synthetic.RowCount;
        string? fewNote = Math.Min(real.RowCount, synthetic.RowCount) <= real.ColumnCount
            ? $"fewer images per set than features ({real.ColumnCount}): covariances are rank-deficient and FID is biased; compare only at equal counts"
            : null;
        _metrics.Add(new MetricResult(group, "FID", FrechetDistance.Compute(synthetic, real), null, n, fewNote));
        using var scope = Torch.Torch.NewDisposeScope();
        _metrics.Add(new MetricResult(group, "MMD", MaximumMeanDiscrepancy.Compute(ToTensor(real), ToTensor(synthetic)), null, n));
    }

    private void Volumes(IReadOnlyList<EvaluationImage> synthetic)
    {
        const string group = "conditioning";
        var brainName = ConditioningFidelity.MatchCovariate(synthetic, ConditioningFidelity.BrainVolumeNames);
        var ventricleName = ConditioningFidelity.MatchCovariate(synthetic, ConditioningFidelity.VentricleVolumeNames);
        if (brainName is null) _notes.Add($"no synthetic image requests a brain volume (covariates {string.Join("/", ConditioningFidelity.BrainVolumeNames)}): brain-volume fidelity not measured");
        if (ventricleName is null) _notes.Add($"no synthetic image requests a ventricle volume (covariates {string.Join("/", ConditioningFidelity.VentricleVolumeNames)}): ventricle-volume fidelity not measured");
        if (brainName is null && ventricleName is null) return;
        if (!options.MeasureVolumes)
        {
            _notes.Add("volume fidelity skipped (--no-volumes)");
            return;
        }
        var atlas = Colin27Template.VentricleAtlas();
        var measured = new Dictionary<string, (List<double> Requested, List<double> Measured)>();
        foreach (var (name, _) in new[] { (brainName, 0), (ventricleName, 1) }.Where(p => p.Item1 is not null)) measured[name!] = ([], []);
        var withRequest = synthetic.Where(s => (brainName is not null && s.Number(brainName) is not null) || (ventricleName is not null && s.Number(ventricleName) is not null)).ToList();
        options.Log?.Invoke($"segmenting {withRequest.Count} synthetic images for brain and ventricle volume");
        foreach (var image in withRequest)
        {
            var v = ConditioningFidelity.MeasureVolumes(EvaluationDataset.Read(image), atlas);
            if (brainName is not null && image.Number(brainName) is { } b) { measured[brainName].Requested.Add(b); measured[brainName].Measured.Add(v.BrainMl); }
            if (ventricleName is not null && image.Number(ventricleName) is { } q && v.HasVentricles) { measured[ventricleName].Requested.Add(q); measured[ventricleName].Measured.Add(v.VentricleMl); }
        }
        foreach (var (name, (requested, got)) in measured)
        {
            string label = name == brainName ? "brain volume" : "ventricle volume";
            var r = ConditioningFidelity.Pearson(requested, got);
            _metrics.Add(new MetricResult(group, $"{label}: Pearson r (requested {name} vs measured mL)", r, null, requested.Count,
                r is null ? "needs at least three images with varying requested and measured values" : null));
            _metrics.Add(ConditioningFidelity.IsMillilitres(name)
                ? new MetricResult(group, $"{label}: MAE (mL)", ConditioningFidelity.MeanAbsoluteError(requested, got), null, requested.Count)
                : new MetricResult(group, $"{label}: MAE (mL)", null, null, requested.Count, $"'{name}' is not in mL (a normalized value), so only the correlation is meaningful"));
        }
    }

    private void Age(IReadOnlyList<EvaluationImage> real, IReadOnlyList<EvaluationImage> synthetic, Matrix<double>? realFeatures, Matrix<double>? syntheticFeatures)
    {
        const string group = "conditioning";
        var ageName = ConditioningFidelity.AgeNames[0];
        var requestedIdx = synthetic.Select((s, i) => (s.Number(ageName), i)).Where(p => p.Item1 is not null).ToList();
        var realIdx = real.Select((s, i) => (s.Number(ageName), i)).Where(p => p.Item1 is not null).ToList();
        string? why = requestedIdx.Count == 0 ? "no synthetic image requests an age"
            : realIdx.Count < 3 ? $"the real set has {realIdx.Count} images with an 'age' covariate; the age regressor needs at least three"
            : realFeatures is null ? "no feature extractor (--features)" : null;
        if (why is not null)
        {
            _notes.Add($"age fidelity not measured: {why}");
            return;
        }
        var x = Matrix<double>.Build.DenseOfRowVectors(realIdx.Select(p => realFeatures!.Row(p.i)));
        var y = Vector<double>.Build.DenseOfEnumerable(realIdx.Select(p => p.Item1!.Value));
        var (model, lambda, cvMae) = RidgeRegression.FitWithCrossValidation(x, y, seed: options.Seed);
        _metrics.Add(new MetricResult(group, "age regressor: real-set cross-validated MAE", cvMae, null, realIdx.Count, $"ridge on {options.Features!.Name} features, lambda {lambda}"));
        var predicted = model.Predict(Matrix<double>.Build.DenseOfRowVectors(requestedIdx.Select(p => syntheticFeatures!.Row(p.i))));
        var requested = requestedIdx.Select(p => p.Item1!.Value).ToList();
        var r = ConditioningFidelity.Pearson(requested, predicted.ToList());
        _metrics.Add(new MetricResult(group, "age: Pearson r (requested vs predicted)", r, null, requested.Count, r is null ? "needs at least three images with varying values" : null));
        _metrics.Add(new MetricResult(group, "age: MAE (requested vs predicted)", ConditioningFidelity.MeanAbsoluteError(requested, predicted.ToList()), null, requested.Count,
            "in the real set's age units; requested ages must use the same units"));
    }

    private static Tensor ToTensor(Matrix<double> m) =>
        Tensor.FromArray(Enumerable.Range(0, m.RowCount).SelectMany(r => m.Row(r)).ToArray(), [m.RowCount, m.ColumnCount]);

    /// <summary>Images prepared on first use and kept while they fit a memory budget (pairs revisit images).</summary>
    private sealed class PreparedSet(IReadOnlyList<EvaluationImage> images, EvaluationGrid grid) : IDisposable
    {
        private const long CacheVoxels = 1L << 28;  // 1 GiB of float32
        private readonly Dictionary<int, Tensor> _cache = [];
        private readonly long _voxels = grid.Shape.Aggregate(1L, (a, b) => a * b);

        public int Count => images.Count;

        /// <summary>(1, 1, X, Y, Z) in the caller's scope.</summary>
        public Tensor Get(int index)
        {
            if (_cache.TryGetValue(index, out var cached)) return cached.Alias();
            var t = EvaluationDataset.Prepare(EvaluationDataset.Read(images[index]), grid);
            if ((_cache.Count + 1) * _voxels > CacheVoxels) return t;
            _cache[index] = t.DetachFromScope();
            return t.Alias();
        }

        public void Dispose()
        {
            foreach (var t in _cache.Values) t.Dispose();
        }
    }
}
