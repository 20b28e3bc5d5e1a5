using BrainGen.Cli.Tests.Hostile;
using BrainGen.Imaging;
using BrainGen.Pipelines.Evaluation;
using BrainGen.Pipelines.Generation;

namespace BrainGen.Cli.Tests;

/// <summary>
/// `braingen train diffusion --denoiser dit` end to end: a tiny DiT over the latents of a trained
/// autoencoder (the tiny bundle's, as a model folder), with CFG dropout, exported as a version-2
/// model folder that `braingen generate --model` samples (finite, and the same for the same seed) and
/// evaluation's autoencoder features read from the model's tokenizer.
/// </summary>
public class TrainDitCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "braingen-train-dit", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    // Four 8×12×8 1 mm images (the tiny model's grid) with an age each.
    private string Cohort()
    {
        var root = Path.Combine(_dir, "cohort");
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "dataset_description.json"), "{\"Name\": \"t\", \"BIDSVersion\": \"1.8.0\"}");
        var ages = new[] { 55, 61, 68, 74 };
        for (int s = 0; s < ages.Length; s++)
        {
            var data = Enumerable.Range(0, 8 * 12 * 8).Select(i => (float)((i * (s + 3)) % 11)).ToArray();
            Directory.CreateDirectory(Path.Combine(root, $"sub-0{s + 1}", "anat"));
            Nifti.Write(Path.Combine(root, $"sub-0{s + 1}", "anat", $"sub-0{s + 1}_T1w.nii.gz"), new Volume([8, 12, 8], data, Affine.FromSpacing(1, 1, 1, 0, 0, 0)));
        }
        File.WriteAllText(Path.Combine(root, "participants.tsv"),
            "participant_id\tage\n" + string.Concat(ages.Select((a, s) => $"sub-0{s + 1}\t{a}\n")));
        return root;
    }

    [Fact]
    public void ATinyDitTrainsThroughTheCliAndGeneratesSeededFiniteImages()
    {
        var run = Path.Combine(_dir, "run");
        var (code, output, err) = CliRunner.Run("train", "diffusion", "--denoiser", "dit", "--data", Cohort(), "--autoencoder", HostileCases.TinyModelFolder(_dir),
            "-o", run, "--seed", "3", "--steps", "4",
            "--set", "conditioning.covariates=[age]", "--set", "conditioning.dropout=0.5", "--set", "training.warmup_steps=0",
            "--set", "training.batch_size=2", "--set", "training.checkpoint_every=2", "--set", "training.preview_every=4",
            "--set", "model.patch_size=2", "--set", "model.hidden_size=12", "--set", "model.depth=2", "--set", "model.num_heads=2",
            "--set", "preview_sampling_steps=2");
        Assert.True(code == 0, err + output);
        var model = Path.Combine(run, "model");
        Assert.True(File.Exists(Path.Combine(model, "dit.safetensors")));
        Assert.False(File.Exists(Path.Combine(model, "unet.safetensors")));
        var config = LatentDiffusionModel.ReadConfig(model);
        Assert.Equal("dit", config.DenoiserKind);
        Assert.Equal("braingen-ldm/2", config.Format);
        Assert.Equal([4L, 6, 4], config.Dit!.LatentShape);
        Assert.Equal(1, config.Dit.NumCovariates);
        Assert.Contains("denoiser: DiT", File.ReadAllText(Path.Combine(model, "MODEL_CARD.md")));

        float[][] Generate(string name)
        {
            var outDir = Path.Combine(_dir, name);
            var (c, _, e) = CliRunner.Run("generate", "--model", model, "--n", "2", "--steps", "3", "--seed", "9", "--age", "60", "--guidance", "2",
                "--sampler", "dpm++", "-o", outDir, "--no-preview");
            Assert.True(c == 0, e);
            var images = Directory.GetFiles(outDir, "*_T1w.nii.gz", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(2, images.Length);
            return images.Select(image =>
            {
                var volume = Nifti.Read(image);
                Assert.Equal([8, 12, 8], volume.Shape);
                return volume.Data.ToArray();
            }).ToArray();
        }
        var first = Generate("gen-a");
        Assert.All(first.SelectMany(v => v), v => Assert.True(float.IsFinite(v)));
        Assert.NotEqual(first[0], first[1]);
        var second = Generate("gen-b");
        Assert.Equal(first[0], second[0]);
        Assert.Equal(first[1], second[1]);

        // Evaluation's feature network is the folder's tokenizer (the DiT is not read); 8x12x8 is below the SSIM kernel, so no CLI run.
        using var extractor = AutoencoderFeatureExtractor.Load(model);
        using var volumes = Torch.Tensor.FromArray(first[0], [1, 1, 8, 12, 8]);
        using var features = extractor.Extract(volumes);
        Assert.Equal([1L, 9 * 3], features.Shape);
        Assert.All(features.ToArray<float>(), v => Assert.True(float.IsFinite(v)));
    }
}
