using BrainGen.Models.Blocks;
using BrainGen.Models.Checkpoints;
using BrainGen.Models.Denoisers;
using BrainGen.Torch;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Tests.Diffusion;

/// <summary>
/// DiffusionUNet against MONAI Generative's DiffusionModelUNet: tiny configs with every tensor random (zero-init
/// convs, norms and the dead proj_attn too), outputs within 1e-4. Cases (tools/fixtures/make_unet_fixtures.py):
/// cond3d — a tiny brain-LDM replica (3D, cross-attention, resblock up/down, heads per level, upcast; contexts of
/// 3 tokens, 1 token and zeros; one timestep for the batch); attn2d — 2D plain attention, conv resamplers, res
/// blocks per level, float timesteps; class2d — class embedding, two transformer layers, no context (self-attention).
/// </summary>
public class DiffusionUNetExactnessTests
{
    private const double Tolerance = 1e-4;

    public static IEnumerable<object[]> Runs => UNetFixtures.Runs();
    public static IEnumerable<object[]> McVariants => UNetFixtures.McVariants();

    [Theory]
    [MemberData(nameof(Runs))]
    public void ForwardMatchesMonaiGenerative(string caseName, string run)
    {
        using var model = LoadModel(caseName, UNetFixtures.Weights(caseName), $"{caseName}.weights.safetensors");
        AssertRunMatches(model, caseName, run);
    }

    [Theory]
    [MemberData(nameof(McVariants))]
    public void MonaiCoreNamedWeightsGiveTheSameOutputs(string caseName, string tag)
    {
        string file = UNetFixtures.Case(caseName).GetProperty("mc").GetProperty(tag).GetProperty("file").GetString()!;
        var state = Serialization();
        Assert.Equal(DiffusionUNetNaming.MonaiCore, DiffusionUNetKeyMapping.Detect(state.Keys));
        using var model = LoadModel(caseName, state, file);
        foreach (var run in UNetFixtures.Case(caseName).GetProperty("runs").EnumerateObject())
            AssertRunMatches(model, caseName, run.Name);

        IReadOnlyDictionary<string, HostTensor> Serialization() => BrainGen.Torch.Serialization.SafeTensors.Load(UNetFixtures.PathOf(file));
    }

    [Theory]
    [InlineData("cond3d")]
    [InlineData("attn2d")]
    [InlineData("class2d")]
    public void TimestepEmbeddingMatchesGetTimestepEmbedding(string caseName)
    {
        using var scope = NewDisposeScope();
        var io = UNetFixtures.Io(caseName);
        var expected = Tensor.FromHost(io["temb"]);
        var actual = TimestepEmbedding.Sinusoidal(Tensor.FromHost(io["timesteps"]), expected.Size(1));
        Assert.True(UNetFixtures.MaxAbsDiff(actual, expected) < 1e-5);
    }

    [Fact]
    public void FixtureModelsHaveTheRecordedTensorAndParameterCounts()
    {
        foreach (var name in new[] { "cond3d", "attn2d", "class2d" })
        {
            var layout = new DiffusionUNetLayout(UNetFixtures.Config(name));
            Assert.Equal(UNetFixtures.Case(name).GetProperty("tensors").GetInt32(), layout.ParameterShapes().Count());
            Assert.Equal(UNetFixtures.Case(name).GetProperty("parameters").GetInt64(), layout.ParameterCount());
        }
    }

    private static DiffusionUNet LoadModel(string caseName, IReadOnlyDictionary<string, HostTensor> state, string file)
    {
        var model = new DiffusionUNet(UNetFixtures.Config(caseName));
        model.Eval();
        var result = model.LoadCheckpoint(state, file);
        Assert.True(result.IsExact, result.ToString());
        return model;
    }

    private static void AssertRunMatches(DiffusionUNet model, string caseName, string run)
    {
        using var scope = NewDisposeScope();
        using var noGrad = NoGrad();
        var io = UNetFixtures.Io(caseName);
        var spec = UNetFixtures.Case(caseName).GetProperty("runs").GetProperty(run);
        Tensor? Input(string property) =>
            spec.GetProperty(property).GetString() is { } name ? Tensor.FromHost(io[name]) : null;

        var output = model.Forward(Tensor.FromHost(io["x"]), Input("timesteps")!, Input("context"), Input("class_labels"));
        var expected = Tensor.FromHost(io[$"out_{run}"]);
        double diff = UNetFixtures.MaxAbsDiff(output, expected);
        Assert.True(diff < Tolerance, $"{caseName}/{run}: max |C# - GM| = {diff:g3}");
    }
}
