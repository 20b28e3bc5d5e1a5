using System.CommandLine;
using System.Globalization;
using BrainGen.Pipelines.Training;
using Spectre.Console;

namespace BrainGen.Cli.Commands;

/// <summary>
/// `braingen train autoencoder|diffusion`: a YAML config (or defaults) plus overrides, into a run
/// folder with config.yaml, checkpoints/, loss.csv, loss.png and previews/; --resume continues a
/// killed run from its last complete checkpoint with the run's own resolved config. One process at
/// a time trains into a run folder (<see cref="Trainer.LockRunFolder"/>).
/// </summary>
internal static class TrainCommand
{
    public static Command Build()
    {
        var command = new Command("train", "train the autoencoder (stage 1) or the latent diffusion denoiser (stage 2: UNet or DiT) on a BIDS cohort");
        command.Subcommands.Add(Stage("autoencoder", "stage 1: KL autoencoder (L1 + KL, optional perceptual and PatchGAN losses)", diffusion: false));
        command.Subcommands.Add(Stage("diffusion", "stage 2: diffusion UNet or DiT (--denoiser) on cached latents; exports a model folder for `braingen generate`", diffusion: true));
        return command;
    }

    private static Command Stage(string name, string description, bool diffusion)
    {
        var config = new Option<FileInfo?>("--config", "-c") { Description = "YAML run config (default: built-in defaults)" };
        var data = new Option<DirectoryInfo?>("--data") { Description = "BIDS dataset root (data.root)" };
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "run folder (one braingen process at a time)", Required = true };
        var resume = new Option<bool>("--resume") { Description = "continue from the run folder's last complete checkpoint (uses its config.yaml)" };
        var set = new Option<string[]>("--set") { Description = "override a config key, dotted.key=value (repeatable)" };
        var steps = new Option<long?>("--steps") { Description = "training.steps" };
        var seed = new Option<ulong?>("--seed") { Description = "run seed (weights, data order, augmentation, noise)" };
        var device = new Option<string?>("--device") { Description = "cpu, cuda or cuda:N" };
        var bf16 = new Option<bool>("--bf16") { Description = "bfloat16 autocast for forward passes" };
        var autoencoder = new Option<DirectoryInfo?>("--autoencoder") { Description = "stage-1 run, exported autoencoder or model folder" };
        var denoiser = new Option<string?>("--denoiser") { Description = "model.denoiser: unet (default) or dit" };
        denoiser.AcceptOnlyFromAmong(UNetModelConfig.UNet, UNetModelConfig.Dit);
        var command = new Command(name, description) { config, data, output, resume, set, steps, seed, device, bf16 };
        if (diffusion)
        {
            command.Options.Add(autoencoder);
            command.Options.Add(denoiser);
        }

        command.SetAction(parse =>
        {
            var run = parse.GetValue(output)!.FullName;
            var overrides = new List<string>(parse.GetValue(set) ?? []);
            if (parse.GetValue(data) is { } d) overrides.Add($"data.root={Quote(d.FullName)}");
            if (parse.GetValue(steps) is { } s) overrides.Add($"training.steps={s}");
            if (parse.GetValue(seed) is { } sd) overrides.Add($"seed={sd}");
            if (parse.GetValue(device) is { } dv) overrides.Add($"device={dv}");
            if (parse.GetValue(bf16)) overrides.Add("training.bf16=true");
            if (diffusion && parse.GetValue(autoencoder) is { } ae) overrides.Add($"autoencoder={Quote(ae.FullName)}");
            if (diffusion && parse.GetValue(denoiser) is { } kind) overrides.Add($"model.denoiser={kind}");

            bool isResume = parse.GetValue(resume);
            var resolvedPath = Path.Combine(run, "config.yaml");
            string? basePath = parse.GetValue(config)?.FullName;
            if (isResume && !File.Exists(resolvedPath))
                throw new FileNotFoundException($"{resolvedPath}: --resume needs the run's config.yaml", resolvedPath);
            // Before anything is read from or written to the run (config.yaml, checkpoints, the latent cache):
            // a second process on this run folder stops here.
            using var runLock = Trainer.LockRunFolder(run);
            if (isResume)
                basePath = resolvedPath;  // the run's own resolved config; overrides (e.g. more --steps) still apply
            else if (Directory.Exists(Path.Combine(run, "checkpoints")) && Directory.EnumerateFileSystemEntries(Path.Combine(run, "checkpoints")).Any())
                throw new IOException($"{run}: already holds checkpoints; pass --resume to continue it or choose a new --output");

            CliTorch.UseAllCores();
            var console = CliConsole.Create();
            console.Profile.Width = Math.Max(console.Profile.Width, 160);  // one report per line, also in log files
            Trainer trainer;
            if (diffusion)
            {
                var cfg = TrainingConfigFile.Load<DiffusionRunConfig>(basePath, overrides).Validate(basePath ?? "defaults");
                TrainingConfigFile.Save(cfg, resolvedPath);
                var t = new DiffusionTrainer(cfg, run);
                console.MarkupLine($"latents {(t.LatentsReused ? "reused from" : "cached in")} {Markup.Escape(Path.Combine(run, "latents"))}; scale factor {t.ScaleFactor:G6}; " +
                                   $"conditioning: {(t.Conditioning.IsUnconditional ? "none" : Markup.Escape(string.Join(", ", t.Conditioning.Covariates.Select(c => c.Name))))}");
                trainer = t;
            }
            else
            {
                var cfg = TrainingConfigFile.Load<AutoencoderRunConfig>(basePath, overrides).Validate(basePath ?? "defaults");
                TrainingConfigFile.Save(cfg, resolvedPath);
                var t = new AutoencoderTrainer(cfg, run);
                if (cfg.Loss.PerceptualWeight > 0 && !t.UsesPerceptualLoss)
                    console.MarkupLine("[grey]perceptual loss skipped: no loss.perceptual_network given[/]");
                trainer = t;
            }
            // Ctrl-C stops between steps, like a kill: the next --resume continues from the last checkpoint.
            using var stop = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stop.Cancel(); };
            Console.CancelKeyPress += onCancel;
            using (trainer)
            try
            {
                var result = trainer.Run(isResume, new Reporter(console), stop.Token);
                if (result.Stopped)
                {
                    console.MarkupLine($"[yellow]stopped[/] at step {result.Step}; continue with --resume");
                    return 130;
                }
                console.MarkupLine($"[green]done[/]: {result.Step} steps ({(result.ResumedFrom > 0 ? $"resumed at {result.ResumedFrom}, " : "")}{result.Elapsed.TotalSeconds:F1} s) -> {Markup.Escape(result.Export ?? run)}");
                return 0;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        });
        return command;
    }

    // A YAML scalar that keeps any path as one string.
    private static string Quote(string path) => "'" + path.Replace("'", "''") + "'";

    /// <summary>One line per report: step, losses, learning rate, throughput and ETA (log-friendly, works when stdout is a file).</summary>
    private sealed class Reporter(IAnsiConsole console) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            if (p.Message is not null)
            {
                console.MarkupLine($"[grey]{Markup.Escape(p.Message)}[/]");
                return;
            }
            var losses = string.Join("  ", p.Losses.Where(l => l.Value != 0).Select(l => $"{l.Name} {l.Value.ToString("G4", CultureInfo.InvariantCulture)}"));
            console.MarkupLine($"step {p.Step}/{p.TotalSteps}  {Markup.Escape(losses)}  lr {p.LearningRate:G3}  " +
                               $"{p.SamplesPerSecond:F2} samples/s  ETA {p.Eta:hh\\:mm\\:ss}");
        }
    }
}
