using System.Text.Json;
using System.Text.Json.Nodes;
using BrainGen.Models.Schedulers;
using BrainGen.Pipelines.Generation;
using BrainGen.Torch;

namespace BrainGen.Pipelines.Tests.Generation;

/// <summary>
/// Generation never writes or reports a non-finite brain: bad numbers in a model file or a request
/// are refused up front, a non-finite sample is an error naming the subject with no file left, and
/// a requested covariate is recorded even when its value equals the null value.
/// </summary>
public class NonFiniteGenerationTests : IDisposable
{
    private static readonly string Bundle = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny_bundle");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "braingen-nonfinite-generation", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static LatentDiffusionModel TinyModel() => MonaiBundle.Load(Bundle, MonaiBundle.Read(Bundle));

    [Theory]
    [InlineData(1e30, 0.0, "--guidance must be in [0, 100]")]
    [InlineData(-1.0, 0.0, "--guidance")]
    [InlineData(double.NaN, 0.0, "--guidance")]
    [InlineData(double.PositiveInfinity, 0.0, "--guidance")]
    [InlineData(1.0, 1e9, "--eta must be in [0, 1]")]
    [InlineData(1.0, -0.5, "--eta")]
    [InlineData(1.0, double.NaN, "--eta")]
    public void SamplingOptionsOutsideTheirRangeAreRefused(double guidance, double eta, string message)
    {
        var request = new GenerationRequest { Guidance = guidance, Eta = eta };
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => request.Validate()).Message);
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(100.0, 1.0)]
    [InlineData(7.5, 0.3)]
    public void SamplingOptionsInsideTheirRangePass(double guidance, double eta) =>
        new GenerationRequest { Guidance = guidance, Eta = eta }.Validate();

    [Theory]
    [InlineData(SamplerKind.Ddim, 5000, "steps must be in 1..1000")]
    [InlineData(SamplerKind.RectifiedFlow, 10, "rectified-flow sampling needs a model trained with rectified flow")]
    public void ASamplerThatDoesNotFitTheModelIsRefusedBeforeAnythingIsWritten(SamplerKind sampler, int steps, string message)
    {
        using var model = TinyModel();
        var output = Path.Combine(_dir, "out");
        var e = Assert.ThrowsAny<ArgumentException>(() => new SyntheticCohortGenerator(model, "tiny", output).Run(new GenerationRequest { Sampler = sampler, Steps = steps }));
        Assert.Contains(message, e.Message);
        Assert.False(Directory.Exists(output));
    }

    // A saved copy of the tiny bundle as a model folder, with model.json edited by `edit`.
    private string ModelFolderWith(Action<JsonNode> edit)
    {
        using var model = TinyModel();
        var folder = Path.Combine(_dir, "model");
        model.Save(folder);
        var path = Path.Combine(folder, "model.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        edit(json);
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return folder;
    }

    public static TheoryData<string, string, string> BadModelNumbers => new()
    {
        { "scale_factor", "0", "scale_factor must be a positive finite number" },
        { "scale_factor", "-2", "scale_factor" },
        { "scheduler.beta_end", "1.5", "beta_start and beta_end must lie in (0, 1)" },
        { "scheduler.beta_start", "-0.001", "beta_start and beta_end" },
        { "scheduler.num_train_timesteps", "0", "num_train_timesteps" },
        { "image.spacing", "[1, 0, 1]", "spacing" },
        { "conditioning.null_value", "1e999", "null_value" },
    };

    [Theory]
    [MemberData(nameof(BadModelNumbers))]
    public void NumbersOutsideTheirRangeInModelJsonAreRefusedNamingTheFile(string key, string value, string message)
    {
        var folder = ModelFolderWith(json =>
        {
            var path = key.Split('.');
            var parent = path[..^1].Aggregate(json, (node, name) => node[name]!);
            parent[path[^1]] = JsonNode.Parse(value);
        });
        var e = Assert.ThrowsAny<Exception>(() => LatentDiffusionModel.ReadConfig(folder));
        Assert.True(e is InvalidDataException, e.ToString());
        Assert.Contains(Path.Combine(folder, "model.json"), e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void ANonFiniteWeightInAModelFolderIsRefusedNamingTheFileAndTensor()
    {
        using (var model = TinyModel())
        {
            using (Torch.Torch.NoGrad())
                model.UNet.NamedParameters().First(p => p.Key.EndsWith("weight")).Value.Fill_(float.NaN);
            model.Save(Path.Combine(_dir, "model"));
        }
        var e = Assert.Throws<InvalidDataException>(() => LatentDiffusionModel.Load(Path.Combine(_dir, "model")));
        Assert.Contains("unet.safetensors", e.Message);
        Assert.Contains("non-finite", e.Message);
        Assert.Contains("weight'", e.Message);
    }

    [Fact]
    public void ANonFiniteSampleIsAnErrorNamingTheSubjectAndLeavesNoFile()
    {
        using var model = TinyModel();
        // Weights gone bad in memory (past every load check): the sample must still never be written.
        using (Torch.Torch.NoGrad())
            model.UNet.NamedParameters().Last(p => p.Key.EndsWith("bias")).Value.Fill_(float.PositiveInfinity);
        var output = Path.Combine(_dir, "out");
        var e = Assert.Throws<InvalidDataException>(() =>
            new SyntheticCohortGenerator(model, "tiny", output).Run(new GenerationRequest { Count = 2, Steps = 3, Previews = true }));
        Assert.StartsWith("sub-00001:", e.Message);
        Assert.Contains("non-finite", e.Message);
        Assert.Empty(Directory.Exists(output) ? Directory.GetFiles(output, "sub-*", SearchOption.AllDirectories) : []);
    }

    [Fact]
    public void ARequestedCovariateAtTheNullValueIsWarnedAboutAndRecorded()
    {
        // The bundle's covariates are already in [0, 1], so -1 normalizes to exactly the null value.
        using var model = TinyModel();
        var output = Path.Combine(_dir, "out");
        var summary = new SyntheticCohortGenerator(model, "tiny", output).Run(new GenerationRequest
        {
            Steps = 3, Previews = false, Covariates = new Dictionary<string, string> { ["brain_vol"] = "-1", ["age"] = "0.5" },
        });
        Assert.Contains(summary.Warnings, w => w.Contains("brain_vol=-1") && w.Contains("outside the training range"));
        Assert.Contains(summary.Warnings, w => w.Contains("brain_vol=-1") && w.Contains("unconditional value"));
        using var sidecar = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "sub-00001", "anat", "sub-00001_T1w.json")));
        var covariates = sidecar.RootElement.GetProperty("GenerationParameters").GetProperty("Covariates");
        Assert.Equal("-1", covariates.GetProperty("brain_vol").GetString());
        Assert.Equal("0.5", covariates.GetProperty("age").GetString());
        Assert.False(covariates.TryGetProperty("gender", out _));  // not given: not recorded
        var participants = File.ReadAllLines(Path.Combine(output, "participants.tsv"));
        var header = participants[0].Split('\t');
        var row = participants[1].Split('\t');
        Assert.Equal("-1", row[Array.IndexOf(header, "brain_vol")]);
        Assert.DoesNotContain("gender", header);
    }
}
