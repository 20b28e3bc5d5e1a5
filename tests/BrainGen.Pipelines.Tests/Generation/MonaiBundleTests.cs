using BrainGen.Models.Schedulers;
using BrainGen.Pipelines.Generation;
using BrainGen.Torch;
using BrainGen.Torch.Serialization;

namespace BrainGen.Pipelines.Tests.Generation;

/// <summary>A toy bundle with the brain-LDM bundle's layout and code path (tools/fixtures/make_bundle_fixture.py).</summary>
public class MonaiBundleTests
{
    private static readonly string Bundle = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny_bundle");

    [Fact]
    public void BundleConfigIsReadAsTheBundleSamplerUsesIt()
    {
        var d = MonaiBundle.Read(Bundle);
        Assert.Equal(10, d.Steps);
        Assert.Equal([1L, 3, 4, 6, 4], d.NoiseShape);
        Assert.Equal(["gender", "age", "ventricular_vol", "brain_vol"], d.Model.Conditioning.Covariates.Select(c => c.Name));
        Assert.True(d.Model.Conditioning.Concat && d.Model.Conditioning.CrossAttention);
        Assert.Equal([8, 12, 8], d.Model.Image.Shape);
        Assert.Equal(0.6, d.Defaults["age"]);
        Assert.Equal(BetaSchedule.ScaledLinearBeta, d.Model.Scheduler.Schedule);
        Assert.False(d.Model.Scheduler.ClipSample);
    }

    [Fact]
    public void SeededSampleEqualsPyTorch()
    {
        var d = MonaiBundle.Read(Bundle);
        using var model = MonaiBundle.Load(Bundle, d);
        var generator = new SyntheticCohortGenerator(model, "tiny", Path.Combine(Path.GetTempPath(), "unused"));
        var request = new GenerationRequest { Steps = d.Steps, Sampler = SamplerKind.Ddim };
        var row = d.Model.Conditioning.Covariates.Select(c => d.Defaults[c.Name]).ToArray();
        var volume = generator.GenerateOne(request, row, seed: 11);

        using var expected = SafeTensorsFile.Open(Path.Combine(Bundle, "expected.safetensors"));
        using var scope = Torch.Torch.NewDisposeScope();
        var actual = VolumeTensor.ToTensor(volume);
        var reference = Tensor.FromHost(expected.ToHostTensor("sample"));
        var worst = (actual - reference).Abs().Max().ToDouble();
        var scale = reference.Abs().Max().ToDouble();
        Assert.True(worst <= 1e-4 * Math.Max(1, scale), $"max |BrainGen - PyTorch| = {worst} (values up to {scale})");
    }

    [Fact]
    public void MissingWeightsAreNamed()
    {
        var copy = Path.Combine(Path.GetTempPath(), $"bundle-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(copy, "configs"));
        File.Copy(Path.Combine(Bundle, "configs", "inference.json"), Path.Combine(copy, "configs", "inference.json"));
        try
        {
            var e = Assert.Throws<FileNotFoundException>(() => MonaiBundle.Load(copy, MonaiBundle.Read(copy)));
            Assert.Contains("models/autoencoder.pth", e.Message);
        }
        finally
        {
            Directory.Delete(copy, true);
        }
    }
}
