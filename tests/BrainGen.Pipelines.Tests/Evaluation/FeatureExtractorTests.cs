using BrainGen.Pipelines.Evaluation;
using BrainGen.Pipelines.Generation;
using BrainGen.Torch;
using BrainGen.Torch.Serialization;

namespace BrainGen.Pipelines.Tests.Evaluation;

/// <summary>
/// The MedicalNet trunk against a PyTorch replica with random weights (a ResNet-10 of MedicalNet's
/// shape at width 4, saved as MedicalNet saves checkpoints, "module." prefixes included), and the
/// autoencoder extractor's pooling and loading.
/// </summary>
public class FeatureExtractorTests : IDisposable
{
    private static readonly string Bundle = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny_bundle");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "braingen-extractor-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void MedicalNetMatchesThePyTorchReplica()
    {
        using var extractor = MedicalNetFeatureExtractor.Load(Path.Combine(MetricFixtures.Folder, "resnet10_tiny.pth"));
        Assert.Equal("medicalnet-resnet10", extractor.Name);
        var io = SafeTensors.Load(Path.Combine(MetricFixtures.Folder, "resnet10_tiny.io.safetensors"));
        using var scope = Torch.Torch.NewDisposeScope();
        var features = extractor.Extract(Tensor.FromHost(io["x"]));
        var expected = Tensor.FromHost(io["features"]);
        Assert.Equal(expected.Shape, features.Shape);
        var e = expected.ToArray<float>();
        var a = features.ToArray<float>();
        for (int i = 0; i < e.Length; i++)
            MetricFixtures.Close(e[i], a[i], 1e-4, 1e-5, $"feature {i}");
    }

    [Theory]
    [InlineData(new[] { 1, 1, 1, 1 }, false, 10, 512)]
    [InlineData(new[] { 2, 2, 2, 2 }, false, 18, 512)]
    [InlineData(new[] { 3, 4, 6, 3 }, true, 50, 2048)]
    public void ArchitectureIsReadFromTheStateDict(int[] layers, bool bottleneck, int depth, long features)
    {
        using var built = new MedicalNetResNet(layers, bottleneck);
        Assert.Equal(depth, built.Depth);
        Assert.Equal(features, built.FeatureCount);
        // Only the key names and conv1's shape describe the architecture; placeholders keep the test light.
        var state = built.StateDict().ToDictionary(e => e.Key, e => e.Key == "conv1.weight" ? e.Value.ToHost() : new HostTensor(DType.Float32, [1], new byte[4]));
        Assert.Contains("layer1.0.bn1.running_var", state.Keys);
        Assert.Equal(bottleneck, state.ContainsKey("layer1.0.downsample.0.weight"));  // ResNet-50's first block widens 64 -> 256
        using var read = MedicalNetResNet.ForStateDict(state, "test");
        Assert.Equal(layers, read.Layers);
        Assert.Equal(bottleneck, read.Bottleneck);
    }

    [Fact]
    public void AutoencoderFeaturesPoolThePosteriorMeanAndLoadFromBundleOrModelFolder()
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var volumes = Tensor.Rand([2, 1, 16, 12, 16], new Generator(3));
        using var fromBundle = AutoencoderFeatureExtractor.Load(Bundle);
        var features = fromBundle.Extract(volumes);
        Assert.Equal([2L, 27L], features.Shape);  // 3 latent channels: 3 global + 3·8 coarse

        var description = MonaiBundle.Read(Bundle);
        using var model = MonaiBundle.Load(Bundle, description);
        var (mu, _) = model.Autoencoder.Encode(volumes);
        var global = mu.Mean([2, 3, 4]).ToArray<float>();
        var head = features.Narrow(1, 0, 3).Contiguous().ToArray<float>();
        for (int i = 0; i < global.Length; i++) AssertClose.Equal(global[i], head[i], abs: 1e-6, rel: 1e-5);
        // The coarse block's average over its 8 cells is the global mean again (equal cells: 8x6x8 latent).
        var coarseMean = features.Narrow(1, 3, 24).Reshape(2, 3, 8).Mean(2).ToArray<float>();
        for (int i = 0; i < global.Length; i++) AssertClose.Equal(global[i], coarseMean[i], abs: 1e-6, rel: 1e-5);

        var folder = Path.Combine(_dir, "model");
        model.Save(folder);
        using var fromFolder = AutoencoderFeatureExtractor.Load(folder);
        Assert.Equal(features.ToArray<float>(), fromFolder.Extract(volumes).ToArray<float>());
        Assert.Contains("autoencoder-encoder(", fromFolder.Name);
    }

    [Fact]
    public void NonModelFoldersAreRefused()
    {
        Directory.CreateDirectory(_dir);
        var e = Assert.Throws<InvalidDataException>(() => AutoencoderFeatureExtractor.Load(_dir));
        Assert.Contains("neither a BrainGen model folder", e.Message);
        Assert.Throws<FileNotFoundException>(() => MedicalNetFeatureExtractor.Load(Path.Combine(_dir, "missing.pth")));
    }
}
