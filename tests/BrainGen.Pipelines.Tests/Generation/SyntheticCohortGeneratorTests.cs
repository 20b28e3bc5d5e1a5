using BrainGen.Models.Schedulers;
using BrainGen.Pipelines.Generation;

namespace BrainGen.Pipelines.Tests.Generation;

public class SyntheticCohortGeneratorTests : IDisposable
{
    private static readonly string Bundle = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny_bundle");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "braingen-generator-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static (LatentDiffusionModel Model, double[] Row) TinyModel()
    {
        var d = MonaiBundle.Read(Bundle);
        return (MonaiBundle.Load(Bundle, d), d.Model.Conditioning.Covariates.Select(c => d.Defaults[c.Name]).ToArray());
    }

    [Fact]
    public void ASubjectIsTheSameBrainInAnyBatch()
    {
        var (model, row) = TinyModel();
        using var owned = model;
        var generator = new SyntheticCohortGenerator(model, "tiny", _dir);
        var request = new GenerationRequest { Steps = 5 };
        var batch = generator.GenerateBatch(request, row, [3, 4, 5]);
        var alone = generator.GenerateOne(request, row, 4);
        for (int i = 0; i < alone.Data.Length; i++) AssertClose.Equal(alone.Data[i], batch[1].Data[i], abs: 1e-5, rel: 1e-5);
        Assert.NotEqual(batch[0].Data, batch[1].Data);
    }

    [Fact]
    public void StochasticSamplersRefuseBatches()
    {
        var (model, row) = TinyModel();
        using var owned = model;
        var generator = new SyntheticCohortGenerator(model, "tiny", _dir);
        var e = Assert.Throws<ArgumentException>(() => generator.GenerateBatch(new GenerationRequest { Steps = 3, Sampler = SamplerKind.Ddpm }, row, [1, 2]));
        Assert.Contains("deterministic sampler", e.Message);
    }

    [Fact]
    public void ModelFolderRoundTripsAndGeneratesTheSame()
    {
        var (model, row) = TinyModel();
        using var owned = model;
        var folder = Path.Combine(_dir, "model");
        model.Save(folder);
        Assert.True(File.Exists(Path.Combine(folder, "MODEL_CARD.md")));
        using var loaded = LatentDiffusionModel.Load(folder);
        Assert.Equal(model.Config.Conditioning.Covariates.Select(c => c.Name), loaded.Config.Conditioning.Covariates.Select(c => c.Name));
        var request = new GenerationRequest { Steps = 4 };
        var a = new SyntheticCohortGenerator(model, "tiny", _dir).GenerateOne(request, row, 9);
        var b = new SyntheticCohortGenerator(loaded, "tiny", _dir).GenerateOne(request, row, 9);
        Assert.Equal(a.Data, b.Data);
        Assert.True(a.Affine.ApproximatelyEquals(b.Affine));

        model.Save(folder);  // replacing an existing folder leaves no staging folders behind
        Assert.Single(Directory.GetDirectories(_dir));
    }

    [Fact]
    public void ABrokenModelJsonNamesTheFile()
    {
        var folder = Path.Combine(_dir, "broken");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "model.json"), "{ \"format\": \"braingen-ldm/1\", ");
        var e = Assert.Throws<InvalidDataException>(() => LatentDiffusionModel.Load(folder));
        Assert.Contains("model.json", e.Message);
    }
}
