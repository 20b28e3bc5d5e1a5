using BrainGen.Pipelines.Training;

namespace BrainGen.Pipelines.Tests.Training;

public class TrainingConfigFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("braingen-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void FileThenOverridesThenTypedAndTheResolvedYamlRoundTrips()
    {
        var path = Path.Combine(_dir, "ae.yaml");
        File.WriteAllText(path, "seed: 7\ndata:\n  root: /data/bids\n  preprocessing: {spacing: [2, 2, 2]}\ntraining:\n  steps: 50\n");
        var config = TrainingConfigFile.Load<AutoencoderRunConfig>(path, ["training.steps=80", "data.preprocessing.shape=[64, 64, 48]", "loss.adv_warmup_steps=9"]);
        Assert.Equal(7UL, config.Seed);
        Assert.Equal(80, config.Training.Steps);
        Assert.Equal([2.0, 2, 2], config.Data.Preprocessing.Spacing);
        Assert.Equal([64, 64, 48], config.Data.Preprocessing.Shape);
        Assert.Equal(9, config.Loss.AdvWarmupSteps);
        Assert.Equal(1e-6, config.Loss.KlWeight);  // untouched defaults stay

        var resolved = Path.Combine(_dir, "config.yaml");
        TrainingConfigFile.Save(config, resolved);
        Assert.Contains("adv_warmup_steps: 9", File.ReadAllText(resolved));
        var again = TrainingConfigFile.Load<AutoencoderRunConfig>(resolved);
        Assert.Equal(TrainingConfigFile.ToYaml(config), TrainingConfigFile.ToYaml(again));
    }

    [Theory]
    [InlineData("training:\n  stepz: 5\n", "stepz")]
    [InlineData("training:\n  steps: many\n", "ae.yaml")]
    [InlineData("training: [1, 2\n", "ae.yaml: line")]
    public void BadFilesNameTheFileAndTheKey(string yaml, string expected)
    {
        var path = Path.Combine(_dir, "ae.yaml");
        File.WriteAllText(path, yaml);
        var e = Assert.Throws<InvalidDataException>(() => TrainingConfigFile.Load<AutoencoderRunConfig>(path));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith(path, e.Message);
    }

    public static TheoryData<string, string> DeepYaml() => new()
    {
        { "model: " + new string('[', 100_000) + new string(']', 100_000) + "\n", "line 1: nested more than 64 levels deep" },
        { "a: " + string.Concat(Enumerable.Repeat("{b: ", 65)) + "1" + new string('}', 65) + "\n", "line 1: nested more than 64 levels deep" },
        { string.Concat(Enumerable.Range(0, 3000).Select(i => new string(' ', i) + $"k{i}:\n")) + new string(' ', 3000) + "v: 1\n", "line 65: nested more than 64 levels deep" },
    };

    // 100,000 nested brackets once overflowed the stack inside YamlDotNet (uncatchable); the depth is bounded before loading.
    [Theory]
    [MemberData(nameof(DeepYaml))]
    public void DeeplyNestedYamlIsRefusedBeforeLoading(string yaml, string expected)
    {
        var path = Path.Combine(_dir, "deep.yaml");
        File.WriteAllText(path, yaml);
        var e = Assert.Throws<InvalidDataException>(() => TrainingConfigFile.Load<AutoencoderRunConfig>(path));
        Assert.Equal($"{path}: {expected}", e.Message);
        var set = Assert.Throws<InvalidDataException>(() => TrainingConfigFile.Load<AutoencoderRunConfig>(null, ["model.channels=" + new string('[', 100) + new string(']', 100)]));
        Assert.StartsWith("--set 'model.channels': line 1: nested more than 64", set.Message);
        // 64 levels still load (as far as the YAML goes; the typed config then names the key).
        File.WriteAllText(path, "a: " + string.Concat(Enumerable.Repeat("{b: ", 63)) + "1" + new string('}', 63) + "\n");
        Assert.DoesNotContain("nested", Assert.Throws<InvalidDataException>(() => TrainingConfigFile.Load<AutoencoderRunConfig>(path)).Message);
    }

    [Fact]
    public void InvalidValuesAreListedTogether()
    {
        var config = TrainingConfigFile.Load<AutoencoderRunConfig>(null, ["training.steps=0", "data.preprocessing.shape=[30, 32, 32]", "data.root=/x"]);
        var e = Assert.Throws<InvalidDataException>(() => config.Validate("run.yaml"));
        Assert.Contains("training.steps", e.Message);
        Assert.Contains("downsampling factor", e.Message);
        Assert.Throws<ArgumentException>(() => TrainingConfigFile.Load<AutoencoderRunConfig>(null, ["no-equals-sign"]));
    }
}
