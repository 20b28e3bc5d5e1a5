using System.Runtime.InteropServices;
using BrainGen.Imaging;

namespace BrainGen.Cli.Tests.Hostile;

/// <summary>
/// Failures that once ended in a stack trace, an abort or a hang (issue 19, items 6 and 7): each
/// class must end in one line naming the file or option and the problem, with exit code 1.
/// </summary>
public static partial class HostileCases
{
    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);

    private const string TinyAutoencoder = """
        data:
          preprocessing: {spacing: [4, 4, 4], shape: [16, 16, 16]}
        model: {channels: [8, 16], num_res_blocks: [1, 1], attention_levels: [false, false], norm_num_groups: 8}
        loss: {adversarial_weight: 0}
        training: {steps: 2, batch_size: 1, warmup_steps: 0, checkpoint_every: 1}
        """;

    /// <summary>A BIDS cohort of <paramref name="subjects"/> 16³ T1w images at 4 mm (seeded noise; enough to load and train on).</summary>
    internal static string TinyCohort(string dir, int subjects = 2)
    {
        var root = Path.Combine(dir, "bids");
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "dataset_description.json"), """{"Name": "tiny", "BIDSVersion": "1.8.0"}""");
        File.WriteAllLines(Path.Combine(root, "participants.tsv"),
            ["participant_id\tage", .. Enumerable.Range(1, subjects).Select(s => $"sub-{s:D3}\t{50 + s}")]);
        var random = new Random(19);
        for (int s = 1; s <= subjects; s++)
        {
            var data = Enumerable.Range(0, 16 * 16 * 16).Select(_ => (float)random.NextDouble()).ToArray();
            var path = Path.Combine(root, $"sub-{s:D3}", "anat", $"sub-{s:D3}_T1w.nii.gz");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            Nifti.Write(path, new Volume([16, 16, 16], data, Affine.FromSpacing(4, 4, 4)));
        }
        return root;
    }

    private static string Text(string dir, string name, string text) => Write(dir, name, System.Text.Encoding.UTF8.GetBytes(text));

    private static string Fifo(string dir, string name)
    {
        var path = Path.Combine(dir, name);
        Assert.Equal(0, mkfifo(path, Convert.ToUInt32("600", 8)));
        return path;
    }

    private static string[] TrainWith(string dir, string config, string yamlName = "ae.yaml") =>
        ["train", "autoencoder", "-c", Text(dir, yamlName, config), "--data", TinyCohort(dir), "-o", Path.Combine(dir, "run")];

    public static IEnumerable<HostileCase> Errors =>
    [
        new("bundle: a 20-digit noise dimension", dir =>
        {
            var bundle = CopyOfTinyBundle(dir);
            var json = Path.Combine(bundle, "configs", "inference.json");
            var text = File.ReadAllText(json);
            var patched = System.Text.RegularExpressions.Regex.Replace(text, @"torch\.randn\(\((\d+), (\d+), (\d+),", "torch.randn(($1, $2, 60000000000000000000,");
            Assert.NotEqual(text, patched);
            File.WriteAllText(json, patched);
            return ["generate", "--monai-bundle", bundle, "-o", Path.Combine(dir, "out"), "--no-preview"];
        }, "\"noise\" dimension 60000000000000000000 is not a size"),
        new("bundle: a 20-digit channel count in diffusion_def", dir =>
        {
            var bundle = CopyOfTinyBundle(dir);
            var json = Path.Combine(bundle, "configs", "inference.json");
            var text = File.ReadAllText(json);
            var patched = text.Replace("\"out_channels\": 3,\n        \"num_channels\": [\n            8,", "\"out_channels\": 3,\n        \"num_channels\": [\n            60000000000000000000,");
            Assert.NotEqual(text, patched);
            File.WriteAllText(json, patched);
            return ["generate", "--monai-bundle", bundle, "-o", Path.Combine(dir, "out"), "--no-preview"];
        }, "inference.json: "),
        new("convert: --spacing 0.001 (the output grid overflows)", dir =>
        {
            var image = Path.Combine(TinyCohort(dir), "sub-001", "anat", "sub-001_T1w.nii.gz");
            return ["convert", image, Path.Combine(dir, "out.nii"), "--spacing", "0.001"];
        }, "--spacing: resampling 16x16x16 voxels to a spacing of 0.001", Check: dir => Assert.False(File.Exists(Path.Combine(dir, "out.nii")))),
        new("preview: --size 30000 (the canvas overflows)", dir =>
        {
            var image = Path.Combine(TinyCohort(dir), "sub-001", "anat", "sub-001_T1w.nii.gz");
            return ["preview", image, "-o", Path.Combine(dir, "p.png"), "--size", "30000"];
        }, "--size 30000: a panel is 16 to 4096 pixels"),
        new("train: a garbage .nii.gz in the cohort (read in parallel)", dir =>
        {
            var args = TrainWith(dir, TinyAutoencoder);
            var image = Path.Combine(dir, "bids", "sub-002", "anat", "sub-002_T1w.nii.gz");
            File.WriteAllBytes(image, [0x1F, 0x8B, .. Enumerable.Repeat((byte)0xA5, 3000)]);
            return args;
        }, "sub-002_T1w.nii.gz: ", Check: dir => Assert.False(Directory.Exists(Path.Combine(dir, "run", "checkpoints")))),
        new("train --resume: state.json whose step disagrees with its folder", dir =>
        {
            var root = TinyCohort(dir);
            var run = Path.Combine(dir, "run");
            var checkpoint = Path.Combine(run, "checkpoints", "step-2");
            Directory.CreateDirectory(checkpoint);
            File.WriteAllText(Path.Combine(run, "config.yaml"), TinyAutoencoder);
            var state = """{"Step": -5, "SamplesSeen": 2, "GeneratorState": "AAAA"}""";
            File.WriteAllText(Path.Combine(checkpoint, "state.json"), state);
            File.WriteAllText(Path.Combine(checkpoint, "COMPLETE"), $"state.json\t{state.Length}\n");
            return ["train", "autoencoder", "-o", run, "--resume", "--data", root];
        }, "state.json: step is -5, but the checkpoint folder is step-2; generator_state holds 3 bytes"),
        new("config: YAML nested 100,000 deep", dir => TrainWith(dir, "model: " + new string('[', 100_000) + new string(']', 100_000) + "\n"),
            "ae.yaml: line 1: nested more than 64 levels deep"),
        new("config: a symbolic link to /dev/zero", dir =>
        {
            var args = TrainWith(dir, "");
            var config = Path.Combine(dir, "zero.yaml");
            File.CreateSymbolicLink(config, "/dev/zero");
            args[3] = config;
            return args;
        }, "zero.yaml: the config is a character device, not a regular file"),
        new("config: a FIFO (must not block)", dir =>
        {
            var args = TrainWith(dir, "");
            args[3] = Fifo(dir, "fifo.yaml");
            return args;
        }, "fifo.yaml: the config is a FIFO (named pipe), not a regular file"),
        // Two res blocks a level make it about 160 GB, so that no machine that runs this suite can hold it.
        new("train: autoencoder channels [4096, 4096] refused by the memory check", dir =>
            TrainWith(dir, TinyAutoencoder.Replace("channels: [8, 16], num_res_blocks: [1, 1]", "channels: [4096, 4096], num_res_blocks: [2, 2]")),
            "training the autoencoder needs about", Check: dir => Assert.False(Directory.Exists(Path.Combine(dir, "run", "checkpoints")))),
        new("generate: --batch-size 100000000 refused by the memory check", dir =>
            ["generate", "--monai-bundle", CopyOfTinyBundle(dir), "-o", Path.Combine(dir, "out"), "--no-preview", "--n", "100000000", "--batch-size", "100000000"],
            "generating needs about", Check: dir => Assert.False(Directory.Exists(Path.Combine(dir, "out")))),
        new("train: batch_size 100000 refused by the memory check", dir =>
            TrainWith(dir, TinyAutoencoder.Replace("batch_size: 1", "batch_size: 100000")),
            "available: lower model.channels, training.batch_size or data.preprocessing.shape"),
    ];
}
