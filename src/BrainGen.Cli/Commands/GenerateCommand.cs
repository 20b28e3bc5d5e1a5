using System.CommandLine;
using System.Globalization;
using BrainGen.Models.Tokenizers;
using BrainGen.Models.Schedulers;
using BrainGen.Pipelines.Generation;
using BrainGen.Pipelines.Training;
using BrainGen.Torch;
using Spectre.Console;

namespace BrainGen.Cli.Commands;

/// <summary>
/// `braingen generate`: a synthetic cohort from a BrainGen model folder or a MONAI brain-LDM
/// bundle, written as a BIDS derivative dataset with previews; resumable and shardable.
/// </summary>
internal static class GenerateCommand
{
    // Named covariate flags and the covariate names models use for them (BrainGen's, then the MONAI bundle's).
    private static readonly (string Flag, string[] Names)[] NamedCovariates =
    [
        ("--age", ["age"]),
        ("--sex", ["sex", "gender"]),
        ("--ventricle-volume", ["ventricle_volume_ml", "ventricle_volume", "ventricular_vol"]),
        ("--brain-volume", ["brain_volume_ml", "brain_volume", "brain_vol"]),
    ];

    public static Command Build()
    {
        var model = new Option<DirectoryInfo?>("--model") { Description = "BrainGen model folder (model.json + weights)" };
        var bundle = new Option<DirectoryInfo?>("--monai-bundle") { Description = "MONAI brain-LDM bundle folder (configs/inference.json, models/*.pth)" };
        var named = NamedCovariates.Select(c => new Option<string?>(c.Flag) { Description = $"conditioning value ({string.Join(" / ", c.Names)})" }).ToArray();
        var covariate = new Option<string[]>("--covariate") { Description = "any covariate as NAME=VALUE (repeatable)", AllowMultipleArgumentsPerToken = false };
        var count = new Option<int>("--n") { Description = "subjects to generate", DefaultValueFactory = _ => 1 };
        var sampler = new Option<string>("--sampler") { Description = "ddim, ddpm, rflow or dpm++ (DPM-Solver++ 2M: 10-20 steps)", DefaultValueFactory = _ => "ddim" };
        var steps = new Option<int?>("--steps") { Description = "sampling steps (default: 50, or the bundle's)" };
        var guidance = new Option<double>("--guidance") { Description = "classifier-free guidance scale (1: conditional only, 0: unconditional)", DefaultValueFactory = _ => 1 };
        var eta = new Option<double>("--eta") { Description = "DDIM noise (0: deterministic)", DefaultValueFactory = _ => 0 };
        var seed = new Option<ulong>("--seed") { Description = "run seed: subject k uses torch.manual_seed(seed + k)", DefaultValueFactory = _ => 0 };
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "output BIDS derivative folder; continued only by the request that made it (see --overwrite), one process per shard", Required = true };
        var shard = new Option<string?>("--shard") { Description = "this process's share, INDEX/COUNT (default: from Slurm / Kubernetes, else all)" };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
        var slabs = new Option<int>("--decode-slab") { Description = "decode in slabs of this many latent voxels along x to bound memory (0: whole volume)", DefaultValueFactory = _ => 0 };
        var noPreview = new Option<bool>("--no-preview") { Description = "skip the PNG previews" };
        var batch = new Option<int>("--batch-size") { Description = "subjects sampled together (deterministic samplers)", DefaultValueFactory = _ => 1 };
        var overwrite = new Option<bool>("--overwrite")
        {
            Description = "if --output holds a BrainGen dataset generated with another request (model, sampler, steps, guidance, eta, seed, covariates), " +
                          "delete it and generate this one; a dataset of this same request is continued either way (without it, a mismatch is an error)",
        };

        var command = new Command("generate", "generate synthetic brains as a BIDS derivative dataset")
        {
            model, bundle, covariate, count, sampler, steps, guidance, eta, seed, output, shard, device, slabs, noPreview, batch, overwrite,
        };
        foreach (var option in named) command.Options.Add(option);

        command.SetAction(parse =>
        {
            var modelDir = parse.GetValue(model);
            var bundleDir = parse.GetValue(bundle);
            if ((modelDir is null) == (bundleDir is null)) throw new ArgumentException("give exactly one of --model and --monai-bundle");
            var targetDevice = Device.Parse(parse.GetValue(device)!);
            // Sampling options are checked before the model is read, so a bad --guidance or --eta costs nothing.
            var request = new GenerationRequest
            {
                Count = parse.GetValue(count),
                Seed = parse.GetValue(seed),
                Sampler = SamplerNames.Parse(parse.GetValue(sampler)!),
                Steps = parse.GetValue(steps) ?? 50,
                Guidance = parse.GetValue(guidance),
                Eta = parse.GetValue(eta),
                Shard = ShardPlan.Resolve(parse.GetValue(shard)),
                Previews = !parse.GetValue(noPreview),
                Slabs = parse.GetValue(slabs) is > 0 and var slab ? new SlabDecodeOptions(0, slab) : null,
                Device = targetDevice,
                BatchSize = parse.GetValue(batch),
                Overwrite = parse.GetValue(overwrite),
            }.Validate();
            CliTorch.UseAllCores();

            IReadOnlyDictionary<string, double> defaults = new Dictionary<string, double>();
            int defaultSteps = 50;
            LatentDiffusionModel ldm;
            string name;
            if (bundleDir is not null)
            {
                var description = MonaiBundle.Read(bundleDir.FullName);
                EnsureMemory(description.Model, Math.Min(parse.GetValue(batch), parse.GetValue(count)), parse.GetValue(guidance), targetDevice, bundleDir.FullName);
                ldm = MonaiBundle.Load(bundleDir.FullName, description);
                (defaults, defaultSteps, name) = (description.Defaults, description.Steps, description.Model.Name);
            }
            else
            {
                EnsureMemory(LatentDiffusionModel.ReadConfig(modelDir!.FullName), Math.Min(parse.GetValue(batch), parse.GetValue(count)), parse.GetValue(guidance), targetDevice, modelDir.FullName);
                ldm = LatentDiffusionModel.Load(modelDir.FullName);
                name = ldm.Config.Name;
            }
            using var owned = ldm;
            ldm.To(targetDevice);

            var covariates = CollectCovariates(parse, named, parse.GetValue(covariate) ?? [], ldm);
            // The bundle's own default conditioning applies to covariates the user did not give.
            foreach (var (key, value) in defaults)
                if (!covariates.ContainsKey(key)) covariates[key] = value.ToString("R", CultureInfo.InvariantCulture);

            request = request with { Steps = parse.GetValue(steps) ?? defaultSteps, Covariates = covariates };
            var generator = new SyntheticCohortGenerator(ldm, name, parse.GetValue(output)!.FullName);
            var console = CliConsole.Create();
            var summary = RunWithProgress(console, generator, request);
            foreach (var warning in summary.Warnings) Console.Error.WriteLine($"braingen: warning: {warning}");
            if (summary.Replaced) console.MarkupLine("[yellow]replaced[/] the dataset of another request that --output held");
            console.MarkupLine($"[green]{summary.Generated}[/] generated, {summary.Skipped} already done (shard {request.Shard}) in {summary.Elapsed.TotalSeconds:F1} s -> {Markup.Escape(parse.GetValue(output)!.FullName)}");
            return 0;
        });
        return command;
    }

    // Refused before any weights are read when the model's image shape and batch (--batch-size, at most --n) cannot fit.
    private static void EnsureMemory(LatentDiffusionModelConfig config, int batch, double guidance, Device device, string source) =>
        MemoryEstimate.Generation(config, Math.Max(1, batch), guided: guidance != 1)
            .EnsureFits(AvailableMemory.For(device), source, "lower --batch-size, or use a machine with more memory");

    private static Dictionary<string, string> CollectCovariates(ParseResult parse, Option<string?>[] named, string[] pairs, LatentDiffusionModel ldm)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var available = ldm.Conditioning.Covariates.Select(c => c.Name).ToList();
        for (int i = 0; i < named.Length; i++)
        {
            if (parse.GetValue(named[i]) is not { } value) continue;
            var match = NamedCovariates[i].Names.FirstOrDefault(n => available.Contains(n, StringComparer.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"{NamedCovariates[i].Flag}: the model has no such covariate (it has: {(available.Count == 0 ? "none" : string.Join(", ", available))})");
            result[match] = value;
        }
        foreach (var pair in pairs)
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"--covariate '{pair}': expected NAME=VALUE");
            result[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
        }
        return result;
    }

    private static GenerationSummary RunWithProgress(IAnsiConsole console, SyntheticCohortGenerator generator, GenerationRequest request)
    {
        GenerationSummary? summary = null;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var total = context.AddTask("subjects", maxValue: Math.Max(1, request.Shard.CountOf(request.Count)));
                var steps = context.AddTask("steps", maxValue: request.Steps);
                summary = generator.Run(request, new Progress(p =>
                {
                    total.Value = p.SubjectsDone;
                    steps.Description = $"sub-{p.Subject} steps";
                    steps.Value = p.Step;
                }));
                total.Value = total.MaxValue;
            });
        return summary!;
    }

    /// <summary>Reports synchronously on the generating thread (System.Progress would post to the thread pool).</summary>
    private sealed class Progress(Action<GenerationProgress> report) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value) => report(value);
    }
}
