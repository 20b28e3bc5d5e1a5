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
        var command = new Command("demo", "run the end-to-end demo on the bundled default (Colin27)") { output, subjects, resolution, seed };
        command.SetAction(parse =>
        {
            var console = CliConsole.Create();
            var root = parse.GetValue(output)!.FullName;
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
            console.MarkupLine($"mean |error|: brain {brainErrors.Average(Math.Abs):0.0}%, ventricles {ventricleErrors.Average(Math.Abs):0.0}%");

            console.MarkupLine("[bold]3. Previews[/]");
            var first = cohort.Rows.Where(r => r.Subject == cohort.Rows[0].Subject && r.Session == cohort.Rows[0].Session).OrderBy(r => r.Modality).ToList();
            var montage = Path.Combine(root, "contrasts.png");
            Preview.WriteMontage(first.Select(r => ($"sub-{r.Subject} {r.Modality}", Nifti.Read(r.Path).ToCanonical())).ToList(), montage, columns: 2);
            console.MarkupLine($"  {Markup.Escape(montage)}: sub-{first[0].Subject} in every contrast");
            console.MarkupLine($"  BIDS cohort with known truth: {Markup.Escape(cohortDir)}");
            return 0;
        });
        return command;
    }

    private static double Error(double measured, double truth) => 100 * (measured - truth) / truth;

    private static string Signed(double percent) => (percent >= 0 ? "+" : "") + percent.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Format(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("0.0", CultureInfo.InvariantCulture) : "n/a";
}
