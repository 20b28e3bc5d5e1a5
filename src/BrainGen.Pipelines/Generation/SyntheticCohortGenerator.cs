using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BrainGen.Imaging;
using BrainGen.Models.Tokenizers;
using BrainGen.Models.Conditioning;
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

    /// <summary>
    /// Refuses values that cannot give a sane cohort before anything is loaded or written: η outside
    /// [0, 1] (DDIM's family; above 1 the step takes √ of a negative number) and a guidance scale
    /// outside [0, <see cref="GuidedSampling.MaxGuidanceScale"/>] (a huge one overflows float32 to Inf/NaN).
    /// </summary>
    public GenerationRequest Validate()
    {
        if (Count < 1) throw new ArgumentException($"--n must be at least 1 (got {Count})");
        if (BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1 (got {BatchSize})");
        if (Steps < 1) throw new ArgumentException($"--steps must be at least 1 (got {Steps})");
        if (!(Guidance >= 0 && Guidance <= GuidedSampling.MaxGuidanceScale))
            throw new ArgumentException($"--guidance must be in [0, {GuidedSampling.MaxGuidanceScale}] (0: unconditional, 1: conditional, above 1: amplified), got {Guidance:R}");
        if (!(Eta >= 0 && Eta <= DDIMScheduler.MaxEta))
            throw new ArgumentException($"--eta must be in [0, {DDIMScheduler.MaxEta}] (0: deterministic DDIM, 1: DDPM-like noise), got {Eta:R}");
        return this;
    }

    /// <summary>Replace a dataset in the output folder that was generated with another request (see <see cref="CohortOutputClaim"/>).</summary>
    public bool Overwrite { get; init; }
}

public sealed record GenerationProgress(long SubjectsDone, long SubjectsInShard, int Step, int Steps, string Subject);

/// <summary>What a run did; warnings are requests the model may not honour (e.g. covariates outside its training range).</summary>
public sealed record GenerationSummary(int Generated, int Skipped, IReadOnlyList<string> Images, TimeSpan Elapsed, IReadOnlyList<string> Warnings)
{
    /// <summary>True when the output held a dataset of another request, which --overwrite deleted.</summary>
    public bool Replaced { get; init; }
}

/// <summary>
/// Generates a synthetic cohort into a BIDS derivative dataset, one subject at a time: noise from
/// the subject's seed, guided sampling, decoding, then the NIfTI image, its sidecar and a preview,
/// each written atomically. Subjects whose image and sidecar already exist are skipped, so a killed
/// run (or shard) continues where it stopped; participants.tsv is rebuilt from every sidecar in the
/// folder at the end, so shards writing into one folder end up with one table. Skipping is only
/// sound for the same request: <see cref="CohortOutputClaim"/> compares the folder's recorded request
/// with this one and locks the shard. Subjects are enumerated lazily, so a cohort of 10^9 costs
/// nothing up front.
/// </summary>
public sealed class SyntheticCohortGenerator(LatentDiffusionModel model, string modelName, string outputRoot)
{
    public const string PipelineName = "BrainGen";

    public GenerationSummary Run(GenerationRequest request, IProgress<GenerationProgress>? progress = null)
    {
        request.Validate();
        CreateScheduler(request);  // the sampler, η and steps fit this model: checked before anything is written
        var row = model.Conditioning.NormalizeRow(request.Covariates);
        var warnings = Warnings(row);

        var requested = RequestedCovariates(row);
        var record = GenerationRequestRecord.For(request, modelName, _modelDigest ??= GenerationRequestRecord.DigestOf(model), requested);
        using var claim = CohortOutputClaim.Claim(outputRoot, record, request.Shard, request.Overwrite);

        var writer = new BidsDerivativeWriter(outputRoot, PipelineName, typeof(SyntheticCohortGenerator).Assembly.GetName().Version?.ToString() ?? "0",
            $"Synthetic brain MRI from the latent diffusion model '{modelName}'");
        int width = Math.Max(5, request.Count.ToString(CultureInfo.InvariantCulture).Length);
        long inShard = request.Shard.CountOf(request.Count);
        var clock = Stopwatch.StartNew();
        int generated = 0, skipped = 0;
        var images = new List<string>();
        // Lazy: one batch of subjects exists at a time, however large the cohort.
        bool Pending((long Index, string Label) subject)
        {
            if (!IsDone(subject.Label, request.Suffix)) return true;
            skipped++;
            return false;
        }
        var pending = request.Shard.Subjects(request.Count).Select(k => (Index: k, Label: (k + 1).ToString("D" + width, CultureInfo.InvariantCulture)))
            .Where(Pending);
        foreach (var batch in pending.Chunk(request.BatchSize))
        {
            var seeds = batch.Select(s => SubjectSeeds.For(request.Seed, s.Index)).ToArray();
            var volumes = GenerateBatch(request, row.Values, seeds, (step, steps) =>
                progress?.Report(new GenerationProgress(generated + skipped, inShard, step, steps, batch[0].Label)), batch.Select(s => $"sub-{s.Label}").ToArray());
            for (int b = 0; b < batch.Length; b++)
            {
                var (k, label) = batch[b];
                var parameters = new Dictionary<string, object?>
                {
                    ["Model"] = modelName,
                    ["ModelDigest"] = record.ModelDigest,
                    ["Sampler"] = request.Sampler.Name(),
                    ["Steps"] = request.Steps,
                    ["GuidanceScale"] = request.Guidance,
                    ["Eta"] = request.Eta,
                    ["SubjectIndex"] = k,
                    ["RunSeed"] = request.Seed,
                    ["Covariates"] = requested,
                };
                images.Add(writer.Add(new SyntheticImage { Subject = label, Suffix = request.Suffix, Volume = volumes[b], Seed = (long)seeds[b], Parameters = parameters }));
                if (request.Previews)
                    Preview.WriteOrthogonal(volumes[b], Path.Combine(outputRoot, "previews", $"sub-{label}_{request.Suffix}.png"));
                generated++;
                progress?.Report(new GenerationProgress(generated + skipped, inShard, request.Steps, request.Steps, label));
            }
        }
        using (claim.LockDataset())  // shards finishing together rebuild the tables one after the other
        {
            RecordParticipants(writer);
            writer.Complete();
            AtomicFile.WriteAllText(Path.Combine(outputRoot, ".bidsignore"), $"previews/\n{CohortOutputClaim.StateFolder}/\n");
        }
        return new GenerationSummary(generated, skipped, images, clock.Elapsed, warnings) { Replaced = claim.Replaced };
    }

    // Requests the model may not honour. Whether a covariate was asked for comes from the row's mask: a
    // value that normalizes to exactly the null value is still a request (and one the network cannot
    // tell from "not given", since both reach it as that value).
    private List<string> Warnings(CovariateRow row)
    {
        var spec = model.Conditioning;
        var warnings = new List<string>();
        for (int i = 0; i < spec.Count; i++)
        {
            if (!row.Given[i]) continue;
            var (c, value) = (spec.Covariates[i], row.Values[i]);
            if (!c.InTrainingRange(value))
                warnings.Add($"{c.Name}={c.Denormalize(value)} is outside the training range {c.Min}..{c.Max}");
            if (value == spec.NullValue)
                warnings.Add($"{c.Name}={c.Denormalize(value)} normalizes to {spec.NullValue}, the model's unconditional value: the network cannot tell it from not giving {c.Name}");
        }
        return warnings;
    }

    private string? _modelDigest;

    // The conditioning values the model is given (denormalized, as the sidecar records them); unrequested covariates are absent.
    private Dictionary<string, string> RequestedCovariates(CovariateRow row) =>
        model.Conditioning.Covariates.Select((c, i) => (c, i)).Where(p => row.Given[p.i])
            .ToDictionary(p => p.c.Name, p => p.c.Denormalize(row.Values[p.i]));

    /// <summary>One subject: noise from its seed (as torch.manual_seed(seed); torch.randn), sampling, decoding.</summary>
    public Volume GenerateOne(GenerationRequest request, double[] covariateRow, ulong seed, Action<int, int>? stepProgress = null) =>
        GenerateBatch(request, covariateRow, [seed], stepProgress)[0];

    /// <summary>
    /// Several subjects sampled in one batch (each starts from its own seed's noise, so a subject is
    /// the same brain in any batch) and decoded one by one to bound memory. Stochastic samplers draw
    /// step noise from one generator, which would tie subjects to their batch: they need batches of one.
    /// A subject whose latents or volume hold NaN or Inf is an error naming it (<paramref name="subjects"/>,
    /// else its seed), raised before any volume of the batch is returned, so nothing of it is written.
    /// </summary>
    public Volume[] GenerateBatch(GenerationRequest request, double[] covariateRow, ulong[] seeds, Action<int, int>? stepProgress = null,
                                  IReadOnlyList<string>? subjects = null)
    {
        string Name(int b) => subjects is not null ? subjects[b] : $"seed {seeds[b]}";
        bool stochastic = request.Sampler == SamplerKind.Ddpm || (request.Sampler == SamplerKind.Ddim && request.Eta > 0);
        if (stochastic && seeds.Length > 1)
            throw new ArgumentException("--batch-size above 1 needs a deterministic sampler (DDIM with --eta 0, dpm++ or rflow): stochastic steps would make each subject depend on its batch");
        using var scope = Torch.Torch.NewDisposeScope();
        var generators = seeds.Select(s => new Generator(s)).ToArray();
        try
        {
            var noise = Tensor.Cat(generators.Select(g => Tensor.Randn(model.LatentShape, g)).ToArray()).To(request.Device);
            var scheduler = CreateScheduler(request);
            Tensor? rows = model.Conditioning.IsUnconditional
                ? null
                : Tensor.FromArray(covariateRow.Select(v => (float)v).ToArray(), [1, covariateRow.Length]).Repeat(seeds.Length, 1).To(request.Device);
            var latents = GuidedSampling.Sample(model.GuidedDenoiser(), scheduler, noise, rows, request.Guidance, model.Conditioning.NullValue,
                generators[0], stepProgress);
            for (int b = 0; b < seeds.Length; b++)
                RequireFinite(latents.Narrow(0, b, 1).NonFiniteCount(), latents.Narrow(0, b, 1).NumElements, Name(b), "the sampled latents hold");
            var volumes = Enumerable.Range(0, seeds.Length).Select(b => model.DecodeToVolume(latents.Narrow(0, b, 1), request.Slabs)).ToArray();
            for (int b = 0; b < seeds.Length; b++)
                RequireFinite(volumes[b].Data.LongCount(v => !float.IsFinite(v)), volumes[b].Data.LongLength, Name(b), "the decoded volume holds");
            return volumes;
        }
        finally
        {
            foreach (var g in generators) g.Dispose();
        }
    }

    private IScheduler CreateScheduler(GenerationRequest request)
    {
        var scheduler = model.Config.Scheduler.CreateSampler(request.Sampler, request.Eta, model.LatentShape.Skip(2).Aggregate(1L, (a, b) => a * b),
            model.Config.Autoencoder.SpatialDims);
        scheduler.SetTimesteps(request.Steps);
        return scheduler;
    }

    private static void RequireFinite(long bad, long total, string subject, string what)
    {
        if (bad > 0)
            throw new InvalidDataException($"{subject}: {what} {bad} non-finite values (NaN or Inf) of {total}; nothing written for it " +
                "(the model's weights, scale factor or scheduler, or the guidance scale, give no finite sample)");
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
