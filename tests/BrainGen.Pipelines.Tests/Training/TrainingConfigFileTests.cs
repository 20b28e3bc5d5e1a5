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
