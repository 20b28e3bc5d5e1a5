using System.CommandLine;
using System.Globalization;
using BrainGen.Imaging;
using BrainGen.Physics.Phantom;
using BrainGen.Physics.Segmentation;
using Spectre.Console;

namespace BrainGen.Cli.Commands;

/// <summary>
/// `braingen demo`: the main job on the bundled default (Colin27 from Debian's mricron-data).
/// Simulates a small cohort with known truth in four MR contrasts, measures brain and ventricle
/// volume on every T1w the way generated brains are measured, and shows the error against truth,
/// with previews of each contrast.
/// </summary>
internal static class DemoCommand
{
    public static Command Build()
    {
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "output folder", DefaultValueFactory = _ => new DirectoryInfo("out/demo") };
        var subjects = new Option<int>("--subjects", "-n") { Description = "simulated subjects", DefaultValueFactory = _ => 4 };
        var resolution = new Option<double>("--resolution") { Description = "voxel size, mm", DefaultValueFactory = _ => 2.0 };
        var seed = new Option<ulong>("--seed") { Description = "cohort seed", DefaultValueFactory = _ => 1UL };
        var noTraining = new Option<bool>("--no-training") { Description = "skip training and sampling the toy latent diffusion model" };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N for training and sampling (simulation and segmentation run on the CPU)", DefaultValueFactory = _ => "cpu" };
        var command = new Command("demo", "run the end-to-end demo on the bundled default (Colin27)") { output, subjects, resolution, seed, noTraining, device };
        command.SetAction(parse =>
        {
            var console = CliConsole.Create();
            var root = parse.GetValue(output)!.FullName;
            var trainingDevice = BrainGen.Torch.Device.Parse(parse.GetValue(device)!).ToString();
            var cohortDir = Path.Combine(root, "cohort");
            var options = new PhantomOptions
            {
                Subjects = parse.GetValue(subjects), Seed = parse.GetValue(seed), ResolutionMm = parse.GetValue(resolution),
                FollowUps = 1, FollowUpIntervalYears = 5, SkullStrip = true, WriteTissueMaps = false,
            };
            options.Validate();

            console.MarkupLine($"[bold]1. Simulating {options.Subjects} subjects[/] (baseline + {options.FollowUpIntervalYears}-year follow-up, T1w/T2w/FLAIR/PDw at {options.ResolutionMm} mm) from Colin27");
            console.Status().Start("simulating", _ => PhantomCohort.Generate(options, cohortDir));

            var cohort = BidsDataset.Read(cohortDir);
            console.MarkupLine($"[bold]2. Measuring brain and ventricle volume[/] on {cohort.Rows.Count(r => r.Modality == "T1w")} T1w images (GMM + MRF segmentation)");
            var table = new Table().AddColumns("subject", "session", "age", "brain mL: true -> measured", "ventricles mL: true -> measured");
            var atlas = Colin27Template.VentricleAtlas();
            var brainErrors = new List<double>();
            var ventricleErrors = new List<double>();
            foreach (var row in cohort.Rows.Where(r => r.Modality == "T1w").OrderBy(r => r.Subject).ThenBy(r => r.Session))
            {
                var (image, segmentation) = SegmentCommand.Run(new FileInfo(row.Path), null, "t1w", 0.5, true);
                var measured = BrainVolumes.Measure(segmentation, image.Affine, atlas);
                double trueBrain = row.Number("brain_volume_ml") ?? double.NaN, trueVentricles = row.Number("ventricle_volume_ml") ?? double.NaN;
                brainErrors.Add(Error(measured.BrainMl, trueBrain));
                ventricleErrors.Add(Error(measured.VentricleMl, trueVentricles));
                table.AddRow(row.Subject, row.Session ?? "", Format(row.Number("age")),
                    $"{Format(trueBrain)} -> {Format(measured.BrainMl)} ({Signed(brainErrors[^1])}%)",
                    $"{Format(trueVentricles)} -> {Format(measured.VentricleMl)} ({Signed(ventricleErrors[^1])}%)");
            }
            console.Write(table);
            console.MarkupLine($"mean |error|: brain {brainErrors.Average(Math.Abs):0.0}%, ventricles {ventricleErrors.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average(Math.Abs):0.0}%");

            console.MarkupLine("[bold]3. Previews[/]");
            var first = cohort.Rows.Where(r => r.Subject == cohort.Rows[0].Subject && r.Session == cohort.Rows[0].Session).OrderBy(r => r.Modality).ToList();
            var montage = Path.Combine(root, "contrasts.png");
            Preview.WriteMontage(first.Select(r => ($"sub-{r.Subject} {r.Modality}", Nifti.Read(r.Path).ToCanonical())).ToList(), montage, columns: 2);
            console.MarkupLine($"  {Markup.Escape(montage)}: sub-{first[0].Subject} in every contrast");
            console.MarkupLine($"  BIDS cohort with known truth: {Markup.Escape(cohortDir)}");

            if (!parse.GetValue(noTraining)) TrainAndGenerate(console, root, cohortDir, trainingDevice);
            return 0;
        });
        return command;
    }

    private const string AutoencoderYaml = """
        seed: 1
        data:
          preprocessing: {spacing: [4, 4, 4], shape: [40, 48, 40]}
        model: {channels: [8, 16], num_res_blocks: [1, 1], attention_levels: [false, false], norm_num_groups: 8}
        loss: {adv_warmup_steps: 40, discriminator: {layers: 2, channels: 8}}
        training: {steps: 60, batch_size: 2, learning_rate: 0.002, warmup_steps: 5, checkpoint_every: 30, preview_every: 30, log_every: 10, ema_decay: 0.9}
        """;

    private const string DiffusionYaml = """
        seed: 2
        name: demo-phantom-ldm
        conditioning: {covariates: [age, sex, brain_volume_ml, ventricle_volume_ml], dropout: 0.2}
        model: {num_channels: [16, 32], num_res_blocks: [1], attention_levels: [false, true], num_head_channels: [16], norm_num_groups: 8}
        training: {steps: 80, batch_size: 2, learning_rate: 0.002, warmup_steps: 5, checkpoint_every: 40, preview_every: 80, log_every: 10, ema_decay: 0.9}
        preview_sampling_steps: 10
        """;

    /// <summary>
    /// Stages 4-5 run the commands a user would: train both stages of a toy latent diffusion model on
    /// the cohort (minutes on a laptop CPU: it learns intensity and layout, not anatomy), then
    /// generate brains at two requested ages from the exported model folder.
    /// </summary>
    private static void TrainAndGenerate(IAnsiConsole console, string root, string cohortDir, string device)
    {
        console.MarkupLine("[bold]4. Training a toy latent diffusion model[/] on the cohort's T1w images (4 mm; autoencoder, then UNet)");
        AtomicFile.WriteAllText(Path.Combine(root, "autoencoder.yaml"), AutoencoderYaml);
        AtomicFile.WriteAllText(Path.Combine(root, "diffusion.yaml"), DiffusionYaml);
        var aeRun = Path.Combine(root, "train-autoencoder");
        var ldmRun = Path.Combine(root, "train-diffusion");
        foreach (var run in new[] { aeRun, ldmRun })
            if (Directory.Exists(run)) Directory.Delete(run, recursive: true);
        RunCommand(console, "train", "autoencoder", "-c", Path.Combine(root, "autoencoder.yaml"), "--data", cohortDir, "-o", aeRun, "--device", device);
        RunCommand(console, "train", "diffusion", "-c", Path.Combine(root, "diffusion.yaml"), "--data", cohortDir, "--autoencoder", aeRun, "-o", ldmRun, "--device", device);

        console.MarkupLine("[bold]5. Generating[/] brains conditioned on age 50 and 80 from the exported model");
        foreach (var age in new[] { "50", "80" })
            RunCommand(console, "generate", "--model", Path.Combine(ldmRun, "model"), "--n", "1", "--age", age, "--sex", "F", "--steps", "20", "--seed", "5",
                "-o", Path.Combine(root, $"generated-age{age}"), "--device", device, "--overwrite");  // a rerun retrains: replace the last run's brains
        console.MarkupLine($"  previews: {Markup.Escape(Path.Combine(root, "generated-age*", "previews"))}; loss curves: {Markup.Escape(Path.Combine(aeRun, "loss.png"))}, {Markup.Escape(Path.Combine(ldmRun, "loss.png"))}");
        console.MarkupLine("  [yellow]A toy:[/] 140 steps on 8 images show the pipeline working end to end; the samples are textures, not brains. " +
                           "A model that generates anatomy needs thousands of steps on a real cohort (docs/training.md).");
    }

    private static void RunCommand(IAnsiConsole console, params string[] args)
    {
        console.MarkupLine($"[grey]$ braingen {Markup.Escape(string.Join(' ', args))}[/]");
        int code = Program.BuildRoot().Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        if (code != 0) throw new InvalidOperationException($"demo: `braingen {string.Join(' ', args)}` exited with {code}");
    }

    private static double Error(double measured, double truth) => 100 * (measured - truth) / truth;

    private static string Signed(double percent) =>
        double.IsFinite(percent) ? (percent >= 0 ? "+" : "") + percent.ToString("0.0", CultureInfo.InvariantCulture) : "n/a";

    private static string Format(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("0.0", CultureInfo.InvariantCulture) : "n/a";
}
