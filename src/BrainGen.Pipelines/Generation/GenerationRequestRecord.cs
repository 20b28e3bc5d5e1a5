using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BrainGen.Imaging;

namespace BrainGen.Pipelines.Generation;

/// <summary>
/// What makes subject k of a generated dataset the brain it is: the model (its name and a digest of
/// its config and weights), the sampler, steps, guidance, eta, run seed, covariates and suffix. A
/// dataset records it in .braingen/request.json; a run into that folder continues it only when its
/// own record is the same (the cohort size and the shard are not part of it: `--n 100` extends a
/// `--n 10` dataset, shards of one request fill one folder). Options that change only the float
/// rounding of the same computation (--batch-size, --decode-slab, --device) are not part of it either:
/// a cohort may be sharded over CPU and GPU nodes.
/// </summary>
public sealed record GenerationRequestRecord
{
    public const string CurrentFormat = "braingen-generation-request/1";

    public string Format { get; init; } = CurrentFormat;
    public required string Model { get; init; }

    /// <summary>SHA-256 of the model's config (model.json) and every weight tensor, by name.</summary>
    public required string ModelDigest { get; init; }
    public required string Sampler { get; init; }
    public required int Steps { get; init; }
    public required double Guidance { get; init; }
    public required double Eta { get; init; }
    public required ulong Seed { get; init; }
    public required string Suffix { get; init; }

    /// <summary>The conditioning values the model is given, by covariate name (absent: left unconditioned).</summary>
    public required SortedDictionary<string, string> Covariates { get; init; }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static GenerationRequestRecord For(GenerationRequest request, string modelName, string modelDigest, IReadOnlyDictionary<string, string> covariates) => new()
    {
        Model = modelName,
        ModelDigest = modelDigest,
        Sampler = request.Sampler.ToString().ToLowerInvariant(),
        Steps = request.Steps,
        Guidance = request.Guidance,
        Eta = request.Eta,
        Seed = request.Seed,
        Suffix = request.Suffix,
        Covariates = new SortedDictionary<string, string>(covariates.ToDictionary(), StringComparer.Ordinal),
    };

    /// <summary>SHA-256 over the model's config JSON and its weights (tensor names in order, dtype, shape, bytes).</summary>
    public static string DigestOf(LatentDiffusionModel model)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(model.Config, LatentDiffusionModel.Json)));
        foreach (var (part, weights) in new[] { (Path.GetFileNameWithoutExtension(ModelParts.TokenizerWeights(model.Config)), model.Tokenizer.Network.StateDictToHost()), (Path.GetFileNameWithoutExtension(ModelParts.DenoiserWeights(model.Config)), model.DenoisingNetwork.Network.StateDictToHost()) })
        foreach (var (name, tensor) in weights.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes($"\n{part}.{name} {tensor.DType} [{string.Join(",", tensor.Shape)}]\n"));
            sha.AppendData(tensor.Data);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>How this (recorded) request differs from <paramref name="asked"/>, one phrase per option: ("--seed 4", "--seed 5").</summary>
    public IReadOnlyList<(string Was, string Asked)> Differences(GenerationRequestRecord asked)
    {
        var result = new List<(string, string)>();
        void Compare(string was, string now) { if (was != now) result.Add((was, now)); }
        Compare($"the model '{Model}' (sha256 {ModelDigest[..Math.Min(12, ModelDigest.Length)]})",
                $"the model '{asked.Model}' (sha256 {asked.ModelDigest[..Math.Min(12, asked.ModelDigest.Length)]})");
        if (Model == asked.Model && ModelDigest != asked.ModelDigest)  // same name, other weights: say so plainly
            result[^1] = ($"the model '{Model}' with weights sha256 {ModelDigest[..12]}", $"other weights (sha256 {asked.ModelDigest[..12]})");
        Compare($"--sampler {Sampler}", $"--sampler {asked.Sampler}");
        Compare($"--steps {Steps}", $"--steps {asked.Steps}");
        Compare($"--guidance {Number(Guidance)}", $"--guidance {Number(asked.Guidance)}");
        Compare($"--eta {Number(Eta)}", $"--eta {Number(asked.Eta)}");
        Compare($"--seed {Seed}", $"--seed {asked.Seed}");
        Compare($"suffix {Suffix}", $"suffix {asked.Suffix}");
        foreach (var name in Covariates.Keys.Union(asked.Covariates.Keys).Order(StringComparer.Ordinal))
            Compare(Covariates.TryGetValue(name, out var a) ? $"{name}={a}" : $"no {name}",
                    asked.Covariates.TryGetValue(name, out var b) ? $"{name}={b}" : $"no {name}");
        return result;
    }

    private static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The record in <paramref name="path"/>, or null when there is none; a damaged one is an error naming it.</summary>
    public static GenerationRequestRecord? Read(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var record = JsonSerializer.Deserialize<GenerationRequestRecord>(BoundedFile.ReadAllText(path, BoundedFile.ConfigBytes, "generation request record"))
                ?? throw new InvalidDataException($"{path}: empty generation request record");
            if (record.Format != CurrentFormat) throw new InvalidDataException($"{path}: format '{record.Format}', expected '{CurrentFormat}'");
            return record;
        }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a generation request record ({e.Message})", e); }
    }

    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
}
