using System.IO.Compression;
using System.Text.Json.Nodes;
using BrainGen.Imaging;
using BrainGen.Pipelines.Generation;

namespace BrainGen.Cli.Tests.Hostile;

/// <summary>
/// Numbers that used to end with exit 0 and all-NaN files (issue 19, item 2) or a covariate lost
/// (item 4): each is refused by name, up front, and leaves no output behind.
/// </summary>
public static partial class HostileCases
{
    /// <summary>The tiny bundle saved as a BrainGen model folder in <paramref name="dir"/>/model.</summary>
    internal static string TinyModelFolder(string dir)
    {
        var folder = Path.Combine(dir, "model");
        using var model = MonaiBundle.Load(TinyBundle, MonaiBundle.Read(TinyBundle));
        model.Save(folder);
        return folder;
    }

    // Sets one key (dotted path) of a JSON file to a JSON value.
    private static void EditJson(string path, string key, string value)
    {
        var root = JsonNode.Parse(File.ReadAllText(path))!;
        var names = key.Split('.');
        names[..^1].Aggregate(root, (node, name) => node[name]!)[names[^1]] = JsonNode.Parse(value);
        File.WriteAllText(path, root.ToJsonString());
    }

    // Overwrites the first stored tensor bytes of a .pth (a zip of pickle + raw storages) with float32 NaNs.
    private static void PoisonFirstStorage(string pth)
    {
        using var zip = ZipFile.Open(pth, ZipArchiveMode.Update);
        var entry = zip.Entries.First(e => e.FullName.EndsWith("/data/0"));
        long length = entry.Length;
        entry.Delete();
        using var stream = zip.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
        for (long i = 0; i < length / 4; i++) stream.Write(BitConverter.GetBytes(float.NaN));
    }

    private static string[] Generate(string dir, string source, string path, params string[] extra) =>
        ["generate", source, path, "-o", Path.Combine(dir, "out"), "--steps", "3", .. extra];

    private static void NoOutput(string dir) => Assert.False(Directory.Exists(Path.Combine(dir, "out")), "an output folder was created");

    private static void NoRunOutput(string dir)
    {
        var run = Path.Combine(dir, "run");
        foreach (var product in new[] { "model", "checkpoints", "latents", "loss.csv" })
            Assert.False(Path.Exists(Path.Combine(run, product)), $"{product} was left in the run folder");
    }

    // Two 8×12×8 1 mm images (the tiny model's grid) with one numeric participants.tsv column holding `bad` for sub-02.
    private static string CohortWithAge(string dir, string bad)
    {
        var root = Path.Combine(dir, "cohort");
        Write(dir, "cohort/dataset_description.json", "{\"Name\": \"t\", \"BIDSVersion\": \"1.8.0\"}"u8.ToArray());
        foreach (var s in new[] { "01", "02" })
        {
            var data = Enumerable.Range(0, 8 * 12 * 8).Select(i => (float)(i % 7)).ToArray();
            Directory.CreateDirectory(Path.Combine(root, $"sub-{s}", "anat"));
            Nifti.Write(Path.Combine(root, $"sub-{s}", "anat", $"sub-{s}_T1w.nii.gz"), new Volume([8, 12, 8], data, Affine.FromSpacing(1, 1, 1, 0, 0, 0)));
        }
        File.WriteAllText(Path.Combine(root, "participants.tsv"), $"participant_id\tage\nsub-01\t61\nsub-02\t{bad}\n");
        return root;
    }

    private static string[] TrainDiffusionOn(string dir, string bad) =>
        ["train", "diffusion", "--data", CohortWithAge(dir, bad), "--autoencoder", TinyModelFolder(dir), "-o", Path.Combine(dir, "run"),
         "--set", "conditioning.covariates=[age]", "--set", "training.steps=1", "--set", "training.warmup_steps=0"];

    public static IEnumerable<HostileCase> NonFinite =>
    [
        new("bundle: a NaN weight in diffusion_model.pth", dir =>
        {
            var bundle = CopyOfTinyBundle(dir);
            PoisonFirstStorage(Path.Combine(bundle, "models", "diffusion_model.pth"));
            return Generate(dir, "--monai-bundle", bundle);
        }, "diffusion_model.pth: tensor '", Check: NoOutput),
        new("bundle: beta_end outside (0, 1)", dir =>
        {
            var bundle = CopyOfTinyBundle(dir);
            EditJson(Path.Combine(bundle, "configs", "inference.json"), "scheduler.beta_end", "1.5");
            return Generate(dir, "--monai-bundle", bundle);
        }, "beta_start and beta_end must lie in (0, 1)", Check: NoOutput),
        new("model: a NaN weight in unet.safetensors", dir =>
        {
            var model = TinyModelFolder(dir);
            var path = Path.Combine(model, "unet.safetensors");
            var bytes = File.ReadAllBytes(path);
            BitConverter.GetBytes(float.NaN).CopyTo(bytes, bytes.Length - 4);  // the last element of the last tensor
            File.WriteAllBytes(path, bytes);
            return Generate(dir, "--model", model);
        }, "unet.safetensors: tensor '", Check: NoOutput),
        new("model: scale_factor 0", dir =>
        {
            var model = TinyModelFolder(dir);
            EditJson(Path.Combine(model, "model.json"), "scale_factor", "0");
            return Generate(dir, "--model", model);
        }, "scale_factor must be a positive finite number", Check: NoOutput),
        new("model: betas outside (0, 1)", dir =>
        {
            var model = TinyModelFolder(dir);
            EditJson(Path.Combine(model, "model.json"), "scheduler.beta_start", "-0.01");
            return Generate(dir, "--model", model);
        }, "model.json: scheduler: beta_start and beta_end", Check: NoOutput),
        new("generate: --guidance 1e30", dir => Generate(dir, "--monai-bundle", TinyBundle, "--guidance", "1e30"),
            "--guidance must be in [0, 100]", Check: NoOutput),
        new("generate: --eta 1e9", dir => Generate(dir, "--monai-bundle", TinyBundle, "--eta", "1e9"),
            "--eta must be in [0, 1]", Check: NoOutput),
        new("generate: a covariate that normalizes to the null value is kept and warned about", dir =>
            Generate(dir, "--monai-bundle", TinyBundle, "--brain-volume", "-1", "--no-preview"),
            "normalizes to -1, the model's unconditional value", ExpectedCode: 0,
            Check: dir => Assert.Contains("brain_vol", File.ReadAllLines(Path.Combine(dir, "out", "participants.tsv"))[0])),
        new("train: learning_rate 1e8", dir =>
        {
            var config = Write(dir, "ae.yaml", "training: {learning_rate: 1e8}\n"u8.ToArray());
            return ["train", "autoencoder", "-c", config, "--data", dir, "-o", Path.Combine(dir, "run")];
        }, "training.learning_rate must be in (0, 1]", Check: NoRunOutput),
        new("train: 'abc' in a numeric participants.tsv column", dir => TrainDiffusionOn(dir, "abc"),
            "row sub-02, column 'age': 'abc' is not a finite number", Check: NoRunOutput),
        new("train: 'NaN' in a numeric participants.tsv column", dir => TrainDiffusionOn(dir, "NaN"),
            "row sub-02, column 'age': 'NaN' is not a finite number", Check: NoRunOutput),
    ];
}
