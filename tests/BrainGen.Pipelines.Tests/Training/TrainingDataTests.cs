using BrainGen.Pipelines.Training;

namespace BrainGen.Pipelines.Tests.Training;

public class TrainingDataTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("braingen-data-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void EveryEpochVisitsEachImageOnceInASeededOrder()
    {
        var order = new DataOrder(5, seed: 11);
        var epoch0 = Enumerable.Range(0, 5).Select(step => order.Batch(step, 1)[0].Image).ToArray();
        var epoch1 = Enumerable.Range(5, 5).Select(step => order.Batch(step, 1)[0].Image).ToArray();
        Assert.Equal([0, 1, 2, 3, 4], epoch0.Order());
        Assert.Equal([0, 1, 2, 3, 4], epoch1.Order());
        Assert.NotEqual(epoch0, epoch1);
        Assert.Equal(epoch0, Enumerable.Range(0, 5).Select(step => new DataOrder(5, 11).Batch(step, 1)[0].Image));
        Assert.Equal(order.Batch(3, 2).Select(b => b.Sample), [6L, 7]);  // batches continue the same sample stream
    }

    [Fact]
    public void PreprocessingAndAugmentationAreDeterministicPerSample()
    {
        var data = TrainingDataset.Load(new DataConfig { Root = TrainingFixtures.WriteCohort(Path.Combine(_dir, "bids")),
            Preprocessing = new PreprocessingConfig { Spacing = [2, 2, 2], Shape = [24, 24, 24] } });
        Assert.Equal(3, data.Count);
        Assert.Equal([24, 24, 24], data.Images[0].Volume.Shape);
        Assert.Equal("RAS", data.Images[0].Volume.OrientationCodes);
        var (min, max) = data.Images[0].Volume.Range();
        Assert.Equal((0f, 1f), (min, max));
        var augmentation = new AugmentationConfig { FlipProbability = 1, IntensityScale = 0.1, IntensityShift = 0.1 };
        var a = TrainingDataset.Augment(data.Images[0].Volume, augmentation, 42);
        Assert.Equal(a.Data, TrainingDataset.Augment(data.Images[0].Volume, augmentation, 42).Data);
        Assert.NotEqual(a.Data, TrainingDataset.Augment(data.Images[0].Volume, augmentation, 43).Data);
        var flipOnly = TrainingDataset.Augment(data.Images[0].Volume, augmentation with { IntensityScale = 0, IntensityShift = 0 }, 1);
        Assert.Equal(data.Images[0].Volume[3, 5, 7], flipOnly[20, 5, 7]);
    }

    [Fact]
    public void EmptyDatasetsAndMissingCovariatesAreErrorsNamingTheFile()
    {
        var empty = Path.Combine(_dir, "empty");
        Directory.CreateDirectory(empty);
        var e = Assert.Throws<InvalidDataException>(() => TrainingDataset.Load(new DataConfig { Root = empty }));
        Assert.Contains(empty, e.Message);
        Assert.Contains("no T1w images", e.Message);

        var root = TrainingFixtures.WriteCohort(Path.Combine(_dir, "bids"), missingAgeFor: "002");
        var data = TrainingDataset.Load(new DataConfig { Root = root, Preprocessing = new PreprocessingConfig { Spacing = [4, 4, 4], Shape = [16, 16, 16] } });
        var table = Path.Combine(root, "participants.tsv");
        var missing = Assert.Throws<InvalidDataException>(() => CovariateTable.Spec(new ConditioningConfig { Covariates = ["age"] }, data, table));
        Assert.Contains(table, missing.Message);
        Assert.Contains("sub-002", missing.Message);
        var unknown = Assert.Throws<InvalidDataException>(() => CovariateTable.Spec(new ConditioningConfig { Covariates = ["height"] }, data, table));
        Assert.Contains("no column 'height'", unknown.Message);
    }

    private (TrainingDataset Data, string Table) CohortWithAges(params string[] ages)
    {
        var root = TrainingFixtures.WriteCohort(Path.Combine(_dir, "bids"), subjects: ages.Length);
        var table = Path.Combine(root, "participants.tsv");
        File.WriteAllLines(table, ["participant_id\tage\tsex", .. ages.Select((a, i) => $"sub-{i + 1:D3}\t{a}\t{(i % 2 == 0 ? "M" : "F")}")]);
        var data = TrainingDataset.Load(new DataConfig { Root = root, Preprocessing = new PreprocessingConfig { Spacing = [4, 4, 4], Shape = [16, 16, 16] } });
        return (data, table);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-inf")]
    public void ANonNumericCellInANumericColumnNamesTheFileRowAndColumn(string cell)
    {
        var (data, table) = CohortWithAges("57", cell, "71");
        var e = Assert.Throws<InvalidDataException>(() => CovariateTable.Spec(new ConditioningConfig { Covariates = ["age"] }, data, table));
        Assert.StartsWith(table, e.Message);
        Assert.Contains("row sub-002", e.Message);
        Assert.Contains("column 'age'", e.Message);
        Assert.Contains($"'{cell}'", e.Message);
    }

    [Fact]
    public void AllNumbersAreContinuousAndNoNumberIsCategorical()
    {
        var (data, table) = CohortWithAges("57", "64", "71");
        var spec = CovariateTable.Spec(new ConditioningConfig { Covariates = ["age", "sex"] }, data, table);
        Assert.False(spec.Covariates[0].IsCategorical);
        Assert.Equal((57.0, 71.0), (spec.Covariates[0].Min, spec.Covariates[0].Max));
        Assert.Equal(["F", "M"], spec.Covariates[1].Categories);
        var (values, given) = CovariateTable.Rows(spec, data, table, BrainGen.Torch.Device.CPU);
        using (values)
        using (given)
        {
            Assert.Equal([0f, 1, 0.5f, 0, 1, 1], values.ToArray<float>());
            Assert.All(given.ToArray<bool>(), Assert.True);
        }
    }
}
