using System.Text.Json.Nodes;
using BrainGen.Models.Denoisers;
using BrainGen.Models.Tokenizers;
using BrainGen.Pipelines.Generation;
using BrainGen.Torch;
using BrainGen.Torch.NN;

namespace BrainGen.Pipelines.Tests.Generation;

/// <summary>
/// model.json version 2 (tokenizer and denoiser by kind with their configs) round trips for the UNet
/// and the DiT, version-1 folders still load with the same numbers, and parts that do not fit are
/// refused with one line naming the file and the mismatch.
/// </summary>
public class ModelFolderFormatTests : IDisposable
{
    private static readonly string Bundle = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny_bundle");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "braingen-model-format", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static LatentDiffusionModel TinyUNetModel() => MonaiBundle.Load(Bundle, MonaiBundle.Read(Bundle));

    // The tiny bundle's autoencoder with a randomized DiT over its (3, 4, 6, 4) latents and 4 covariates.
    private static LatentDiffusionModel TinyDitModel()
    {
        var bundle = MonaiBundle.Read(Bundle);
        var dit = new DitConfig
        {
            SpatialDims = 3, InputSize = [4, 6, 4], PatchSize = 2, InChannels = 3, HiddenSize = 12, Depth = 1, NumHeads = 2,
            NumCovariates = 4, FrequencyEmbeddingSize = 16,
        };
        var config = (bundle.Model with { UNet = null, Dit = dit, Name = "tiny-dit" }).Validate("test");
        using var source = MonaiBundle.Load(Bundle, bundle);
        var tokenizer = ModelParts.CreateTokenizer(config, source.Autoencoder.StateDictToHost(), "bundle");
        var denoiser = ModelParts.CreateDenoiser(config);
        using var generator = new Generator(41);
        foreach (var p in denoiser.Network.Parameters()) Init.Normal_(p, 0, 0.1, generator);
        return new LatentDiffusionModel(config, tokenizer, denoiser);
    }

    private static LatentDiffusionModel Tiny(string kind) => kind == Dit.DenoiserKind ? TinyDitModel() : TinyUNetModel();

    // One seeded guided prediction and one decode: what the folder must reproduce bit for bit.
    private static (float[] Prediction, float[] Image) Outputs(LatentDiffusionModel model)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        using var noGrad = Torch.Torch.NoGrad();
        using var g = new Generator(43);
        var x = Tensor.Randn(model.LatentShape, g);
        var rows = Tensor.Rand([1, model.Conditioning.Count], g);
        var prediction = Models.Sampling.GuidedSampling.Predict(model.GuidedDenoiser(), x, 500, rows, 3.0, model.Conditioning.NullValue);
        return (prediction.ToArray<float>(), model.DecodeToVolume(x).Data.ToArray());
    }

    public static TheoryData<string, string> Kinds => new() { { UNetDenoiser.DenoiserKind, "unet.safetensors" }, { Dit.DenoiserKind, "dit.safetensors" } };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Version2RoundTripsEachDenoiserBitForBit(string kind, string weights)
    {
        using var model = Tiny(kind);
        var folder = Path.Combine(_dir, kind);
        model.Save(folder);
        Assert.True(File.Exists(Path.Combine(folder, weights)), weights);
        Assert.True(File.Exists(Path.Combine(folder, "autoencoder.safetensors")));
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "model.json")))!;
        Assert.Equal("braingen-ldm/2", json["format"]!.GetValue<string>());
        Assert.Equal("autoencoder_kl", json["tokenizer"]!["kind"]!.GetValue<string>());
        Assert.Equal(kind, json["denoiser"]!["kind"]!.GetValue<string>());

        using var loaded = LatentDiffusionModel.Load(folder);
        Assert.Equal(kind, loaded.DenoisingNetwork.Kind);
        Assert.Equal(model.Config.DenoiserKind, loaded.Config.DenoiserKind);
        Assert.Equal(model.Config.Dit, loaded.Config.Dit);
        Assert.Equal(model.Config.ScaleFactor, loaded.Config.ScaleFactor);
        Assert.Equal(model.Config.Image.Shape, loaded.Config.Image.Shape);
        Assert.Equal(model.Config.Conditioning.Covariates.Select(c => c.Name), loaded.Config.Conditioning.Covariates.Select(c => c.Name));
        var (expected, expectedImage) = Outputs(model);
        var (actual, actualImage) = Outputs(loaded);
        Assert.Equal(expected, actual);
        Assert.Equal(expectedImage, actualImage);
        // Saved again, the description is the same text.
        var again = Path.Combine(_dir, kind + "-again");
        loaded.Save(again);
        Assert.Equal(File.ReadAllText(Path.Combine(folder, "model.json")), File.ReadAllText(Path.Combine(again, "model.json")));
    }

    [Fact]
    public void AVersion1FolderStillLoadsWithTheSameNumbers()
    {
        using var model = TinyUNetModel();
        var folder = Path.Combine(_dir, "v1");
        model.Save(folder);
        // Version 1 as the braingen-ldm/1 code wrote it: the config record with "autoencoder" and "u_net" in place of the parts.
        var path = Path.Combine(folder, "model.json");
        var v2 = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var v1 = new JsonObject
        {
            ["format"] = "braingen-ldm/1",
            ["name"] = v2["name"]!.DeepClone(),
            ["autoencoder"] = v2["tokenizer"]!["config"]!.DeepClone(),
            ["u_net"] = v2["denoiser"]!["config"]!.DeepClone(),
            ["scheduler"] = v2["scheduler"]!.DeepClone(),
            ["conditioning"] = v2["conditioning"]!.DeepClone(),
            ["image"] = v2["image"]!.DeepClone(),
            ["scale_factor"] = v2["scale_factor"]!.DeepClone(),
        };
        File.WriteAllText(path, v1.ToJsonString());

        using var loaded = LatentDiffusionModel.Load(folder);
        Assert.Equal("braingen-ldm/1", loaded.Config.Format);
        Assert.Equal(UNetDenoiser.DenoiserKind, loaded.Config.DenoiserKind);
        Assert.Equal(Outputs(model).Prediction, Outputs(loaded).Prediction);
        Assert.Equal(Outputs(model).Image, Outputs(loaded).Image);
    }

    public static TheoryData<string, string, string, string> Mismatches => new()
    {
        // kind, dotted key, JSON value, the mismatch the one line names
        { "dit", "denoiser.config.in_channels", "4", "the DiT takes 4 input channels; the tokenizer's latents have 3" },
        { "dit", "denoiser.config.patch_size", "3", "patch_size=3 does not divide input_size[0]=4" },
        { "dit", "denoiser.config.input_size", "[4, 4, 4]", "the DiT's input_size [4, 4, 4] is not the latent grid [4, 6, 4]" },
        { "dit", "denoiser.config.num_covariates", "2", "the DiT embeds 2 covariates, the conditioning has 4" },
        { "dit", "denoiser.config.learn_sigma", "true", "learn_sigma=true" },
        { "dit", "denoiser.config.spatial_dims", "2", "input_size needs one value or one per spatial axis (2)" },
        { "dit", "denoiser.kind", "\"transformer\"", "unknown denoiser kind 'transformer' (known: unet, dit)" },
        { "unet", "tokenizer.kind", "\"vq\"", "unknown tokenizer kind 'vq' (known: autoencoder_kl)" },
        { "unet", "denoiser.config.in_channels", "5", "the UNet takes 5 input channels; latents (3) plus concatenated covariates (4) make 7" },
        { "unet", "denoiser.config.out_channels", "2", "the UNet predicts 2 channels for 3-channel latents" },
        { "unet", "format", "\"braingen-ldm/9\"", "format 'braingen-ldm/9' is not braingen-ldm/2 (or braingen-ldm/1)" },
        { "unet", "denoiser", "\"unet\"", "no \"denoiser\" object" },
        { "unet", "extra", "1", "unknown key 'extra'" },
    };

    [Theory]
    [MemberData(nameof(Mismatches))]
    public void PartsThatDoNotFitAreRefusedInOneLineNamingTheFile(string kind, string key, string value, string message)
    {
        using (var model = Tiny(kind)) model.Save(Path.Combine(_dir, "m"));
        var path = Path.Combine(_dir, "m", "model.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        var names = key.Split('.');
        names[..^1].Aggregate(json, (node, name) => node[name]!)[names[^1]] = JsonNode.Parse(value);
        File.WriteAllText(path, json.ToJsonString());

        var e = Assert.ThrowsAny<Exception>(() => LatentDiffusionModel.Load(Path.Combine(_dir, "m")));
        Assert.True(e is InvalidDataException, e.ToString());
        Assert.StartsWith(path + ":", e.Message);
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
