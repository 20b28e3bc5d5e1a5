using System.CommandLine;
using System.Globalization;
using BrainGen.Imaging;
using BrainGen.Pipelines.Evaluation;
using BrainGen.Torch;
using Spectre.Console;

namespace BrainGen.Cli.Commands;

/// <summary>
/// `braingen evaluate`: how diverse, realistic and faithful to their conditioning synthetic brains
/// are, compared with real ones (Pinaya et al. 2022's evaluation), as a table and optionally JSON.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Build()
    {
        var real = new Option<DirectoryInfo>("--real") { Description = "real images: a BIDS dataset or a folder of .nii/.nii.gz", Required = true };
        var synthetic = new Option<DirectoryInfo>("--synthetic") { Description = "synthetic images (e.g. `braingen generate` output)", Required = true };
        var reconstructions = new Option<DirectoryInfo?>("--reconstructions") { Description = "autoencoder reconstructions of the real images, matched by subject" };
        var features = new Option<string?>("--features") { Description = "feature network for FID/MMD/age: medicalnet:PATH.pth or autoencoder:MODEL_DIR" };
        var json = new Option<FileInfo?>("--json") { Description = "also write the report as JSON here" };
        var maxPairs = new Option<int>("--max-pairs") { Description = "image pairs per set for MS-SSIM and 4-G-R-SSIM", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "seed for the choice of pairs and CV folds", DefaultValueFactory = _ => 0 };
        var shape = new Option<string?>("--shape") { Description = "common grid X,Y,Z (default: the first real image's)" };
        var modality = new Option<string>("--modality") { Description = "BIDS suffix compared in BIDS sets", DefaultValueFactory = _ => "T1w" };
        var intensity = new Option<string>("--intensity") { Description = "intensity scaling: minmax or percentile", DefaultValueFactory = _ => "minmax" };
        intensity.AcceptOnlyFromAmong("minmax", "percentile");
        var noVolumes = new Option<bool>("--no-volumes") { Description = "skip segmenting synthetic images for volume fidelity" };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N (feature extraction)", DefaultValueFactory = _ => "cpu" };
        var command = new Command("evaluate", "compare synthetic with real brains: MS-SSIM, 4-G-R-SSIM, SSIM/PSNR/MAE, FID, MMD, conditioning fidelity")
        {
            real, synthetic, reconstructions, features, json, maxPairs, seed, shape, intensity, noVolumes, device, modality,
        };
        command.SetAction(parse =>
        {
            var targetDevice = Device.Parse(parse.GetValue(device)!);
            using var extractor = OpenExtractor(parse.GetValue(features), targetDevice);
            var console = CliConsole.Create();
            // Redirected output (a file, a pipe, a test) has no terminal width; 80 columns would wrap every note.
            if (Console.IsOutputRedirected || console.Profile.Width < 120) console.Profile.Width = Math.Max(console.Profile.Width, 160);
            var options = new EvaluationOptions
            {
                RealFolder = parse.GetValue(real)!.FullName,
                SyntheticFolder = parse.GetValue(synthetic)!.FullName,
                ReconstructionFolder = parse.GetValue(reconstructions)?.FullName,
                Features = extractor,
                MaxPairs = parse.GetValue(maxPairs),
                Seed = parse.GetValue(seed),
                Shape = ParseShape(parse.GetValue(shape)),
                Modality = parse.GetValue(modality)!,
                Scaling = parse.GetValue(intensity) == "percentile" ? IntensityScaling.Percentile : IntensityScaling.MinMax,
                MeasureVolumes = !parse.GetValue(noVolumes),
                Log = message => Console.Error.WriteLine($"braingen: {message}"),
            };
            var report = new Evaluator(options).Run();
            Render(console, report);
            if (parse.GetValue(json) is { } path) AtomicFile.WriteAllText(path.FullName, report.ToJson());
            return 0;
        });
        return command;
    }

    /// <summary>"medicalnet:PATH.pth" or "autoencoder:MODEL_DIR"; null when no extractor is asked for.</summary>
    internal static IFeatureExtractor? OpenExtractor(string? spec, Device device)
    {
        if (string.IsNullOrWhiteSpace(spec)) return null;
        int colon = spec.IndexOf(':');
        var (kind, path) = colon > 0 ? (spec[..colon], spec[(colon + 1)..]) : (spec, "");
        if (path.Length == 0) throw new ArgumentException($"--features: expected medicalnet:PATH.pth or autoencoder:MODEL_DIR, got '{spec}'");
        return kind.ToLowerInvariant() switch
        {
            "medicalnet" => MedicalNetFeatureExtractor.Load(path, device),
            "autoencoder" => AutoencoderFeatureExtractor.Load(path, device),
            _ => throw new ArgumentException($"--features: unknown extractor '{kind}' (medicalnet or autoencoder)"),
        };
    }

    internal static int[]? ParseShape(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var parts = text.Split(',', 'x');
        if (parts.Length != 3 || parts.Any(p => !int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v < 1))
            throw new ArgumentException($"--shape: expected three positive sizes X,Y,Z, got '{text}'");
        return parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
    }

    private static void Render(IAnsiConsole console, EvaluationReport report)
    {
        console.WriteLine($"real: {report.Real} ({report.RealCount} images)");
        console.WriteLine($"synthetic: {report.Synthetic} ({report.SyntheticCount} images)");
        console.WriteLine($"grid: {report.Grid}");
        console.WriteLine($"features: {report.FeatureDescription ?? "none"}");
        var table = new Table().AddColumns("group", "metric", "value", "n", "note");
        foreach (var m in report.Metrics)
            table.AddRow(Markup.Escape(m.Group), Markup.Escape(m.Metric), Markup.Escape(m.Formatted), m.Count.ToString(CultureInfo.InvariantCulture), Markup.Escape(m.Note ?? ""));
        console.Write(table);
        foreach (var note in report.Notes) console.WriteLine($"note: {note}");
    }
}
