using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BrainGen.Imaging;
using BrainGen.Models.Autoencoders;
using BrainGen.Models.Sampling;
using BrainGen.Models.Schedulers;
using BrainGen.Torch;

namespace BrainGen.Pipelines.Generation;

/// <summary>What to generate: how many subjects, their covariates, the sampler, and which shard of the cohort.</summary>
public sealed record GenerationRequest
{
    public int Count { get; init; } = 1;
    public ulong Seed { get; init; }
    public SamplerKind Sampler { get; init; } = SamplerKind.Ddim;
    public int Steps { get; init; } = 50;
    public double Guidance { get; init; } = 1;
    public double Eta { get; init; }

    /// <summary>Raw covariate values by name (e.g. age: 72, sex: F); unnamed covariates are left unconditioned.</summary>
    public IReadOnlyDictionary<string, string> Covariates { get; init; } = new Dictionary<string, string>();

    public ShardPlan Shard { get; init; } = ShardPlan.Whole;
    public bool Previews { get; init; } = true;
    public SlabDecodeOptions? Slabs { get; init; }
    public Device Device { get; init; } = Device.CPU;
    public string Suffix { get; init; } = "T1w";

    /// <summary>Subjects sampled together in one batch (deterministic samplers only).</summary>
    public int BatchSize { get; init; } = 1;
}

public sealed record GenerationProgress(long SubjectsDone, long SubjectsInShard, int Step, int Steps, string Subject);

/// <summary>What a run did; warnings are requests the model may not honour (e.g. covariates outside its training range).</summary>
public sealed record GenerationSummary(int Generated, int Skipped, IReadOnlyList<string> Images, TimeSpan Elapsed, IReadOnlyList<string> Warnings);

/// <summary>
/// Generates a synthetic cohort into a BIDS derivative dataset, one subject at a time: noise from
/// the subject's seed, guided sampling, decoding, then the NIfTI image, its sidecar and a preview,
/// each written atomically. Subjects whose image and sidecar already exist are skipped, so a killed
/// run (or shard) continues where it stopped; participants.tsv is rebuilt from every sidecar in the
/// folder at the end, so shards writing into one folder end up with one table.
/// </summary>
public sealed class SyntheticCohortGenerator(LatentDiffusionModel model, string modelName, string outputRoot)
{
    public const string PipelineName = "BrainGen";

    public GenerationSummary Run(GenerationRequest request, IProgress<GenerationProgress>? progress = null)
    {
        if (request.Count < 1) throw new ArgumentException($"--n must be at least 1 (got {request.Count})");
        if (request.BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1 (got {request.BatchSize})");
        var row = model.Conditioning.NormalizeRow(request.Covariates);
        var warnings = model.Conditioning.Covariates.Select((c, i) => (Covariate: c, Value: row[i]))
            .Where(p => p.Value != model.Conditioning.NullValue && !p.Covariate.InTrainingRange(p.Value))
            .Select(p => $"{p.Covariate.Name}={p.Covariate.Denormalize(p.Value)} is outside the training range {p.Covariate.Min}..{p.Covariate.Max}")
            .ToList();

        var writer = new BidsDerivativeWriter(outputRoot, PipelineName, typeof(SyntheticCohortGenerator).Assembly.GetName().Version?.ToString() ?? "0",
            $"Synthetic brain MRI from the latent diffusion model '{modelName}'");
        int width = Math.Max(5, request.Count.ToString(CultureInfo.InvariantCulture).Length);
        var subjects = request.Shard.Subjects(request.Count).ToList();
        var clock = Stopwatch.StartNew();
        int generated = 0, skipped = 0;
        var images = new List<string>();
        var pending = subjects.Select(k => (Index: k, Label: (k + 1).ToString("D" + width, CultureInfo.InvariantCulture)))
            .Where(s => !IsDone(s.Label, request.Suffix)).ToList();
        skipped = subjects.Count - pending.Count;
        foreach (var batch in pending.Chunk(request.BatchSize))
        {
            var seeds = batch.Select(s => SubjectSeeds.For(request.Seed, s.Index)).ToArray();
            var volumes = GenerateBatch(request, row, seeds, (step, steps) =>
                progress?.Report(new GenerationProgress(generated + skipped, subjects.Count, step, steps, batch[0].Label)));
            for (int b = 0; b < batch.Length; b++)
            {
                var (k, label) = batch[b];
                var parameters = new Dictionary<string, object?>
                {
                    ["Model"] = modelName,
                    ["Sampler"] = request.Sampler.ToString().ToLowerInvariant(),
                    ["Steps"] = request.Steps,
                    ["GuidanceScale"] = request.Guidance,
                    ["Eta"] = request.Eta,
                    ["SubjectIndex"] = k,
                    ["RunSeed"] = request.Seed,
                    ["Covariates"] = model.Conditioning.Covariates.Select((c, i) => (c, i)).Where(p => row[p.i] != model.Conditioning.NullValue)
                        .ToDictionary(p => p.c.Name, p => p.c.Denormalize(row[p.i])),
                };
                images.Add(writer.Add(new SyntheticImage { Subject = label, Suffix = request.Suffix, Volume = volumes[b], Seed = (long)seeds[b], Parameters = parameters }));
                if (request.Previews)
                    Preview.WriteOrthogonal(volumes[b], Path.Combine(outputRoot, "previews", $"sub-{label}_{request.Suffix}.png"));
                generated++;
                progress?.Report(new GenerationProgress(generated + skipped, subjects.Count, request.Steps, request.Steps, label));
            }
        }
        RecordParticipants(writer);
        writer.Complete();
        File.WriteAllText(Path.Combine(outputRoot, ".bidsignore"), "previews/\n");
        return new GenerationSummary(generated, skipped, images, clock.Elapsed, warnings);
    }

    /// <summary>One subject: noise from its seed (as torch.manual_seed(seed); torch.randn), sampling, decoding.</summary>
    public Volume GenerateOne(GenerationRequest request, double[] covariateRow, ulong seed, Action<int, int>? stepProgress = null) =>
        GenerateBatch(request, covariateRow, [seed], stepProgress)[0];

    /// <summary>
    /// Several subjects sampled in one batch (each starts from its own seed's noise, so a subject is
    /// the same brain in any batch) and decoded one by one to bound memory. Stochastic samplers draw
    /// step noise from one generator, which would tie subjects to their batch: they need batches of one.
    /// </summary>
    public Volume[] GenerateBatch(GenerationRequest request, double[] covariateRow, ulong[] seeds, Action<int, int>? stepProgress = null)
    {
        bool stochastic = request.Sampler == SamplerKind.Ddpm || (request.Sampler == SamplerKind.Ddim && request.Eta > 0);
        if (stochastic && seeds.Length > 1)
            throw new ArgumentException("--batch-size above 1 needs a deterministic sampler (DDIM with --eta 0, or rflow): stochastic steps would make each subject depend on its batch");
        using var scope = Torch.Torch.NewDisposeScope();
        var generators = seeds.Select(s => new Generator(s)).ToArray();
        try
        {
            var noise = Tensor.Cat(generators.Select(g => Tensor.Randn(model.LatentShape, g)).ToArray()).To(request.Device);
            var scheduler = model.Config.Scheduler.CreateSampler(request.Sampler, request.Eta, model.LatentShape.Skip(2).Aggregate(1L, (a, b) => a * b),
                model.Config.Autoencoder.SpatialDims);
            scheduler.SetTimesteps(request.Steps);
            Tensor? rows = model.Conditioning.IsUnconditional
                ? null
                : Tensor.FromArray(covariateRow.Select(v => (float)v).ToArray(), [1, covariateRow.Length]).Repeat(seeds.Length, 1).To(request.Device);
            var latents = GuidedSampling.Sample(model.Denoiser(), scheduler, noise, rows, request.Guidance, model.Conditioning.NullValue,
                generators[0], stepProgress);
            return Enumerable.Range(0, seeds.Length).Select(b => model.DecodeToVolume(latents.Narrow(0, b, 1), request.Slabs)).ToArray();
        }
        finally
        {
            foreach (var g in generators) g.Dispose();
        }
    }

    private bool IsDone(string label, string suffix)
    {
        var stem = Path.Combine(outputRoot, $"sub-{label}", "anat", $"sub-{label}_{suffix}");
        return File.Exists(stem + ".nii.gz") && File.Exists(stem + ".json");
    }

    // Every sidecar in the folder (this run's, earlier runs', other shards') gives one participants.tsv row.
    private void RecordParticipants(BidsDerivativeWriter writer)
    {
        foreach (var column in model.Conditioning.Covariates)
            writer.DescribeColumn(column.Name, $"Requested {column.Name} (conditioning value)", column.Unit.Length > 0 ? column.Unit : null);
        if (!Directory.Exists(outputRoot)) return;
        foreach (var subjectDir in Directory.EnumerateDirectories(outputRoot, "sub-*"))
        foreach (var sidecar in Directory.Exists(Path.Combine(subjectDir, "anat")) ? Directory.EnumerateFiles(Path.Combine(subjectDir, "anat"), "*.json") : [])
        {
            using var doc = JsonDocument.Parse(BoundedFile.ReadAllText(sidecar, BoundedFile.ConfigBytes, "JSON sidecar"));
            if (!doc.RootElement.TryGetProperty("GenerationParameters", out var p) || !p.TryGetProperty("Covariates", out var covariates)) continue;
            var subject = Path.GetFileName(subjectDir)["sub-".Length..];
            writer.SetParticipant(subject, covariates.EnumerateObject().ToDictionary(e => e.Name, e => (object?)e.Value.GetString()));
        }
    }
}
