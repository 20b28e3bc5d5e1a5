using BrainGen.Torch.NN;

namespace BrainGen.Torch.Tests.Engine.NN;

/// <summary>
/// nn modules against torch.nn: each case builds the C# module with PyTorch's arguments, checks its
/// state_dict keys equal PyTorch's (names and order), loads PyTorch's parameters by those keys
/// (strict), then compares the forward output and the gradients with respect to the inputs and
/// every parameter. In the global-state collection because Dropout draws from the default
/// generator right after Torch.ManualSeed.
/// </summary>
[Collection(GlobalEngineState.Name)]
public class ModuleGoldenTests
{
    /// <summary>The Python fixture's Tower: a ModuleList inside a module, so keys nest (blocks.0.weight).</summary>
    private sealed class Tower : Module<Tensor, Tensor>
    {
        public Tower()
        {
            Blocks = RegisterModule("blocks", new ModuleList<Linear>([new Linear(4, 6), new Linear(6, 4)]));
            Norm = RegisterModule("norm", new LayerNorm(4));
        }

        public ModuleList<Linear> Blocks { get; }
        public LayerNorm Norm { get; }

        public override Tensor Forward(Tensor x) => Norm.Forward(Blocks[1].Forward(Functional.Silu(Blocks[0].Forward(x))));
    }

    private static Module Build(GoldenCase c) => c.Kind switch
    {
        "Linear" => new Linear(c.Long("in"), c.Long("out"), c.Bool("bias")),
        "Conv2d" => new Conv2d(c.Long("in"), c.Long("out"), c.Long("kernel"), c.Long("stride"), c.Long("padding"), c.Long("dilation"),
            c.Long("groups"), c.Bool("bias")),
        "Conv3d" => new Conv3d(c.Long("in"), c.Long("out"), c.Long("kernel"), c.Long("stride"), c.Long("padding"), c.Long("dilation"),
            c.Long("groups"), c.Bool("bias")),
        "ConvTranspose3d" => new ConvTranspose3d(c.Long("in"), c.Long("out"), c.Long("kernel"), c.Long("stride"), c.Long("padding"),
            c.Long("output_padding"), c.Long("groups"), c.Bool("bias"), c.Long("dilation")),
        "GroupNorm" => new GroupNorm(c.Long("groups"), c.Long("channels"), c.Double("eps"), c.Bool("affine")),
        "LayerNorm" => new LayerNorm(c.Longs("shape"), c.Double("eps"), c.Bool("affine")),
        "Embedding" => new Embedding(c.Long("num"), c.Long("dim")),
        "Dropout" => new Dropout(c.Double("p")),
        "Sequential" => new Sequential(new Conv3d(2, 4, 3, padding: 1), new GroupNorm(2, 4), new SiLU(), new Conv3d(4, 2, 1)),
        "Tower" => new Tower(),
        "MultiheadAttention" => new MultiheadAttention(c.Long("embed"), c.Long("heads"), c.Bool("bias"), c.OptLong("kdim"), c.OptLong("vdim")),
        _ => throw new ArgumentOutOfRangeException(nameof(c), c.Kind, "module kind"),
    };

    private static Tensor Forward(Module module, Dictionary<string, Tensor> i) => module switch
    {
        MultiheadAttention mha when i.ContainsKey("q") => mha.Forward(i["q"], i["k"], i["v"]),
        MultiheadAttention mha when i.TryGetValue("keep", out var keep) => mha.Forward(i["x"], i["x"], i["x"], keep),
        MultiheadAttention mha => mha.Forward(i["x"]),
        Embedding embedding => embedding.Forward(i["idx"]),
        Module<Tensor, Tensor> m => m.Forward(i["x"]),
        _ => throw new ArgumentOutOfRangeException(nameof(module)),
    };

    public static TheoryData<string> Cases => Golden.Names("nn");

    [Theory]
    [MemberData(nameof(Cases))]
    public void StateDictKeysEqualPyTorchs(string name)
    {
        var c = Golden.Case("nn", name);
        using var module = Build(c);
        var expected = c.Args.GetProperty("keys").EnumerateArray().Select(k => k.GetString()!).ToArray();
        Assert.Equal(expected, module.StateDict().Select(e => e.Key).ToArray());
        Assert.Equal(expected, module.NamedParameters().Select(e => e.Key).ToArray());  // these modules have no buffers
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndGradientsMatchPyTorch(string name)
    {
        var c = Golden.Case("nn", name);
        using var module = Build(c);
        var state = c.Role("param").ToDictionary(e => e.Key, e => e.Value);
        var loaded = module.LoadStateDict(state, strict: true, source: name);
        Assert.True(loaded.IsExact, loaded.ToString());
        module.Train(c.Bool("train", fallback: true));
        GoldenRunner.Check(c, i =>
        {
            if (c.Has("seed", out var seed)) Torch.ManualSeed(seed.GetUInt64());
            return [Forward(module, i)];
        }, module.NamedParameters());
    }

    public static TheoryData<string> InitCases =>
        Golden.Names("init", "Linear", "Conv2d", "Conv3d", "ConvTranspose3d", "GroupNorm", "LayerNorm", "Embedding", "Sequential", "Tower",
            "MultiheadAttention");

    [Theory]
    [MemberData(nameof(InitCases))]
    public void DefaultInitializationMatchesPyTorchForTheSameSeed(string name)
    {
        // torch.manual_seed(s) then the constructor: the same draws in the same order from the
        // default generator, with the same bounds, give bit-identical weights.
        var c = Golden.Case("init", name);
        Torch.ManualSeed((ulong)c.Long("seed"));
        using var module = Build(c);
        var state = module.StateDict().ToList();
        Assert.Equal(c.Role("out").Select(e => e.Key), state.Select(e => e.Key));
        foreach (var (key, value) in state) Expect.Exact(c[$"out/{key}"], value, $"{name} {key}");
    }

    [Fact]
    public void TrainAndEvalReachEverySubmodule()
    {
        using var tower = new Tower();
        tower.Eval();
        Assert.All(tower.NamedModules(), m => Assert.False(m.Value.Training, m.Key));
        tower.Train();
        Assert.All(tower.NamedModules(), m => Assert.True(m.Value.Training, m.Key));
        Assert.Equal(["", "blocks", "blocks.0", "blocks.1", "norm"], tower.NamedModules().Select(m => m.Key).ToArray());
        Assert.Equal(4 * 6 + 6 + 6 * 4 + 4 + 4 + 4, tower.ParameterCount());
    }

    [Fact]
    public void ParametersAreLeavesOutsideEveryScope()
    {
        Linear layer;
        using (Torch.NewDisposeScope()) layer = new Linear(3, 2);
        using (layer)
        {
            Assert.False(layer.Weight.IsDisposed);  // the scope around construction must not free parameters
            Assert.True(layer.Weight.RequiresGrad);
            Assert.True(layer.Weight.IsLeaf);
        }
        Assert.True(layer.Weight.IsDisposed);  // Module.Dispose frees them
    }
}
