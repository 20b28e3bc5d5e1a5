using System.Text.Json;
using BrainGen.Imaging;
using BrainGen.Models.Tokenizers;
using BrainGen.Pipelines.Generation;
using BrainGen.Torch.Serialization;

namespace BrainGen.Pipelines.Training;

/// <summary>
/// A trained autoencoder as stage 2 reads it: autoencoder.json (AutoencoderKL config),
/// autoencoder.safetensors and preprocessing.json in one folder. Stage 2 accepts that folder, a
/// stage-1 run folder (its autoencoder/ export), or a BrainGen model folder (model.json; its
/// preprocessing.json when present, else the grid of model.json with percentile normalization).
/// </summary>
public static class AutoencoderArtifact
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static void Save(string folder, AutoencoderKL model, PreprocessingConfig preprocessing)
    {
        var target = Path.GetFullPath(folder);
        var staging = target + ".partial";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        SafeTensors.Save(Path.Combine(staging, "autoencoder.safetensors"), model.StateDictToHost());
        AtomicFile.WriteAllText(Path.Combine(staging, "autoencoder.json"), model.Config.ToJson() + "\n");
        WritePreprocessing(staging, preprocessing);
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        Directory.Move(staging, target);
        AtomicFile.SyncDirectory(Path.GetDirectoryName(target)!);
    }

    public static void WritePreprocessing(string folder, PreprocessingConfig preprocessing) =>
        AtomicFile.WriteAllText(Path.Combine(folder, "preprocessing.json"), JsonSerializer.Serialize(preprocessing, Json) + "\n");

    public static PreprocessingConfig? ReadPreprocessing(string folder)
    {
        var path = Path.Combine(folder, "preprocessing.json");
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<PreprocessingConfig>(BoundedFile.ReadAllText(path, BoundedFile.ConfigBytes, "preprocessing.json"), Json) ?? throw new InvalidDataException($"{path}: empty"); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }

    /// <summary>The autoencoder (eval mode) and the preprocessing it was trained with, from any of the three folder kinds.</summary>
    public static (AutoencoderKL Model, PreprocessingConfig Preprocessing, string Source) Load(string path)
    {
        var full = Path.GetFullPath(path);
        if (!Directory.Exists(full)) throw new DirectoryNotFoundException($"{path}: autoencoder folder not found");
        var exported = File.Exists(Path.Combine(full, "autoencoder.json")) ? full
            : File.Exists(Path.Combine(full, "autoencoder", "autoencoder.json")) ? Path.Combine(full, "autoencoder") : null;
        if (exported is not null)
        {
            var configPath = Path.Combine(exported, "autoencoder.json");
            AutoencoderKLConfig config;
            try { config = AutoencoderKLConfig.Load(configPath); }
            catch (Exception e) when (e is JsonException or ArgumentException) { throw new InvalidDataException($"{configPath}: {e.Message}", e); }
            var prep = ReadPreprocessing(exported) ?? throw new FileNotFoundException($"{exported}: preprocessing.json is missing", Path.Combine(exported, "preprocessing.json"));
            return (LoadWeights(config, Path.Combine(exported, "autoencoder.safetensors")), prep, exported);
        }
        if (File.Exists(Path.Combine(full, "model.json")))
        {
            var model = LatentDiffusionModel.ReadConfig(full);
            var prep = ReadPreprocessing(full) ?? new PreprocessingConfig
            {
                Spacing = model.Image.Spacing, Shape = model.Image.Shape, Normalization = "percentile",
            };
            return (LoadWeights(model.Autoencoder, Path.Combine(full, "autoencoder.safetensors")), prep, full);
        }
        if (Directory.Exists(Path.Combine(full, "checkpoints")))
            throw new InvalidDataException($"{path}: this stage-1 run has not finished (no autoencoder/ export yet); resume it with `braingen train autoencoder --resume`");
        throw new InvalidDataException($"{path}: not a stage-1 run folder (autoencoder/autoencoder.json), an exported autoencoder (autoencoder.json) or a model folder (model.json)");
    }

    private static AutoencoderKL LoadWeights(AutoencoderKLConfig config, string weights)
    {
        if (!File.Exists(weights)) throw new FileNotFoundException($"{weights}: autoencoder weights missing", weights);
        return AutoencoderKL.FromCheckpoint(config, SafeTensors.Load(weights), weights);
    }
}
