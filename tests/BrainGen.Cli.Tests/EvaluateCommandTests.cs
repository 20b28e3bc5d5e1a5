using System.Text.Json;
using BrainGen.Imaging;

namespace BrainGen.Cli.Tests;

/// <summary>
/// `braingen evaluate` on a tiny cohort made here: Colin27 (ch2bet) at 4 mm, each "subject" a scaled,
/// shifted, noisy copy; real images as BIDS with ages, synthetic ones as `braingen generate` writes them
/// (sidecars with the requested covariates), reconstructions as a plain folder of BIDS-named files.
/// </summary>
public class EvaluateCommandTests : IDisposable
{
    private static readonly string Template = "/usr/share/mricron/templates/ch2bet.nii.gz";
    private static readonly string Bundle = CliRunner.RepoPath("tests/BrainGen.Pipelines.Tests/Fixtures/tiny_bundle");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "braingen-evaluate-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static Volume Subject(Volume template, int seed, float noise)
    {
        var random = new Random(seed);
        float gain = 0.8f + 0.4f * (float)random.NextDouble();
        int shift = random.Next(-1, 2);
        var data = new float[template.Data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            int j = Math.Clamp(i + shift, 0, data.Length - 1);  // a one-voxel shift along x
            data[i] = template.Data[j] > 0 ? template.Data[j] * gain + noise * (float)(random.NextDouble() - 0.5) : 0;
        }
        return template.WithData(data);
    }

    private (string Real, string Synthetic, string Recon) MakeCohort()
    {
        var template = Nifti.Read(Template).ToCanonical().ResampleToSpacing([4, 4, 4]);
        string real = Path.Combine(_dir, "real"), synthetic = Path.Combine(_dir, "synthetic"), recon = Path.Combine(_dir, "recon");
        Directory.CreateDirectory(recon);
        var participants = new List<string> { "participant_id\tage" };
        for (int s = 1; s <= 4; s++)
        {
            var label = $"0{s}";
            var anat = Path.Combine(real, $"sub-{label}", "anat");
            Directory.CreateDirectory(anat);
            var image = Subject(template, s, 20);
            Nifti.Write(Path.Combine(anat, $"sub-{label}_T1w.nii.gz"), image);
            Nifti.Write(Path.Combine(recon, $"sub-{label}_T1w.nii.gz"), Subject(image, 100 + s, 10));
            participants.Add($"sub-{label}\t{55 + 5 * s}");
        }
        File.WriteAllLines(Path.Combine(real, "participants.tsv"), participants);
        var writer = new BidsDerivativeWriter(synthetic, "braingen", "test");
        for (int s = 1; s <= 4; s++)
        {
            var covariates = new Dictionary<string, object?> { ["age"] = $"{58 + 4 * s}", ["brain_volume_ml"] = $"{1100 + 20 * s}", ["ventricle_volume_ml"] = $"{20 + 3 * s}" };
            writer.Add(new SyntheticImage
            {
                Subject = $"0000{s}", Suffix = "T1w", Volume = Subject(template, 50 + s, 40), Seed = s,
                Parameters = new Dictionary<string, object?> { ["Covariates"] = covariates },
            });
        }
        writer.Complete();
        return (real, synthetic, recon);
    }

    [Fact]
    public void ReportsEveryMetricGroupAsTableAndJson()
    {
        var (real, synthetic, recon) = MakeCohort();
        var json = Path.Combine(_dir, "report.json");
        var (code, stdout, stderr) = CliRunner.Run("evaluate", "--real", real, "--synthetic", synthetic, "--reconstructions", recon,
            "--features", $"autoencoder:{Bundle}", "--json", json, "--max-pairs", "3");
        Assert.True(code == 0, stderr);
        Assert.Contains("4-G-R-SSIM (synthetic)", stdout);
        Assert.Contains("autoencoder-encoder(", stdout);

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var metrics = doc.RootElement.GetProperty("metrics").EnumerateArray()
            .ToDictionary(m => m.GetProperty("metric").GetString()!, m => m);
        double Value(string name) => metrics[name].GetProperty("value").GetDouble();
        Assert.Equal(4, doc.RootElement.GetProperty("real_count").GetInt32());
        Assert.Equal(3, metrics["4-G-R-SSIM (real)"].GetProperty("count").GetInt32());
        Assert.InRange(Value("4-G-R-SSIM (synthetic)"), 0.05, 1.0);
        // A 45x54x45 grid is too small for kernel-7 MS-SSIM: reported as n/a with MONAI's limit, not a failure.
        Assert.False(metrics["MS-SSIM (synthetic)"].TryGetProperty("value", out _));
        Assert.Contains("112 voxels per side", metrics["MS-SSIM (synthetic)"].GetProperty("note").GetString());
        // Reconstructions are mildly perturbed copies of the real images: close, but not identical.
        Assert.InRange(Value("SSIM"), 0.5, 0.9999);
        Assert.InRange(Value("PSNR (dB)"), 15, 80);
        Assert.Equal(4, metrics["MAE"].GetProperty("count").GetInt32());
        Assert.True(Value("FID") > 0);
        Assert.True(metrics.ContainsKey("MMD"));
        Assert.Equal(4, metrics["brain volume: Pearson r (requested brain_volume_ml vs measured mL)"].GetProperty("count").GetInt32());
        Assert.True(Value("brain volume: MAE (mL)") > 0);
        Assert.True(metrics.ContainsKey("age regressor: real-set cross-validated MAE"));
        Assert.InRange(Value("age: MAE (requested vs predicted)"), 0, 100);
    }

    [Fact]
    public void MultiScaleSsimOnAGridLargeEnoughAndNotesForMissingInputs()
    {
        var (real, synthetic, _) = MakeCohort();
        var json = Path.Combine(_dir, "report.json");
        var (code, stdout, stderr) = CliRunner.Run("evaluate", "--real", real, "--synthetic", synthetic, "--shape", "112,112,112",
            "--max-pairs", "1", "--no-volumes", "--json", json);
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var ms = doc.RootElement.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("metric").GetString() == "MS-SSIM (synthetic)");
        Assert.InRange(ms.GetProperty("value").GetDouble(), 0.3, 0.9999);
        var notes = doc.RootElement.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToList();
        Assert.Contains(notes, n => n.Contains("need a feature extractor"));
        Assert.Contains(notes, n => n.Contains("--no-volumes"));
        Assert.Contains("note: age fidelity not measured", stdout);
    }

    [Theory]
    [InlineData("empty", "holds no NIfTI images")]
    [InlineData("features", "unknown extractor 'resnet'")]
    [InlineData("shape", "--shape: expected three positive sizes")]
    [InlineData("recon", "no image of")]
    public void BadInputIsOneLineAndExitCodeOne(string problem, string message)
    {
        var (real, synthetic, _) = MakeCohort();
        var empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        string[] args = problem switch
        {
            "empty" => ["evaluate", "--real", real, "--synthetic", empty],
            "features" => ["evaluate", "--real", real, "--synthetic", synthetic, "--features", "resnet:x.pth"],
            "shape" => ["evaluate", "--real", real, "--synthetic", synthetic, "--shape", "10,10"],
            _ => ["evaluate", "--real", real, "--synthetic", synthetic, "--reconstructions", synthetic, "--no-volumes"],
        };
        var (code, _, err) = CliRunner.Run(args);
        Assert.Equal(1, code);
        Assert.Contains(message, err);
        Assert.DoesNotContain("   at ", err);
    }
}
