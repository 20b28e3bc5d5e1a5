namespace BrainGen.Torch.Tests.Engine;

/// <summary>
/// Tests that read or reseed process-wide engine state (the default generator, the live-tensor
/// counters) run in this collection: xunit runs it alone, after the parallel tests, so nothing
/// else draws random numbers or creates tensors meanwhile.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalEngineState
{
    public const string Name = "global engine state";
}

/// <summary>
/// Seeded random numbers against PyTorch, bit for bit: <c>torch.manual_seed(s); torch.randn(shape)</c>
/// must equal <c>Tensor.Randn(shape, new Generator(s))</c>, and likewise rand, randint, randperm,
/// normal_, uniform_ and a sequence of draws from one generator.
/// </summary>
[Collection(GlobalEngineState.Name)]
public class RandomGoldenTests
{
    public static TheoryData<string> Cases => Golden.Names("random");

    [Theory]
    [MemberData(nameof(Cases))]
    public void ExplicitGeneratorMatchesTorchManualSeed(string name)
    {
        var c = Golden.Case("random", name);
        using var scope = Torch.NewDisposeScope();
        using var g = new Generator((ulong)c.Long("seed"));
        var outs = Draw(c, g);
        Assert.Equal(c.Role("out").Count, outs.Length);
        for (int i = 0; i < outs.Length; i++) Expect.Exact(c[$"out/{i}"], outs[i], $"{name} out/{i}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DefaultGeneratorMatchesAfterManualSeed(string name)
    {
        var c = Golden.Case("random", name);
        using var scope = Torch.NewDisposeScope();
        Torch.ManualSeed((ulong)c.Long("seed"));
        var outs = Draw(c, null);
        for (int i = 0; i < outs.Length; i++) Expect.Exact(c[$"out/{i}"], outs[i], $"{name} out/{i} (default generator)");
    }

    private static Tensor[] Draw(GoldenCase c, Generator? g)
    {
        DType Float() => GoldenCase.DTypeOf(c.Str("dtype"));
        return c.Kind switch
        {
            "randn" => [Tensor.Randn(c.Longs("shape"), g, Float())],
            "rand" => [Tensor.Rand(c.Longs("shape"), g, Float())],
            "randint" => [Tensor.RandInt(c.Long("low"), c.Long("high"), c.Longs("shape"), g)],
            "randperm" => [Tensor.RandPerm(c.Long("n"), g)],
            "normal_" => [Tensor.Empty(c.Longs("shape")).Normal_(c.Double("mean"), c.Double("std"), g)],
            "uniform_" => [Tensor.Empty(c.Longs("shape")).Uniform_(c.Double("from"), c.Double("to"), g)],
            "sequence" => [Tensor.Randn([3], g), Tensor.Rand([17], g), Tensor.RandInt(0, 100, [4], g), Tensor.RandPerm(6, g), Tensor.Randn([20], g)],
            _ => throw new ArgumentOutOfRangeException(nameof(c), c.Kind, "random kind"),
        };
    }

    [Fact]
    public void GeneratorStateRestoresTheStream()
    {
        using var scope = Torch.NewDisposeScope();
        using var g = new Generator(77);
        Assert.Equal(77UL, g.Seed);
        _ = Tensor.Randn([5], g);
        var state = g.GetState();
        var first = Tensor.Randn([33], g).ToArray<float>();
        var other = Tensor.Randn([33], g).ToArray<float>();
        Assert.NotEqual(first, other);
        g.SetState(state);
        Assert.Equal(first, Tensor.Randn([33], g).ToArray<float>());
    }

    [Fact]
    public void GeneratorsAreIndependentOfEachOtherAndOfTheDefault()
    {
        using var scope = Torch.NewDisposeScope();
        using var a = new Generator(5);
        using var b = new Generator(5);
        var fromA = Tensor.Rand([10], a).ToArray<float>();
        Torch.ManualSeed(999);
        _ = Tensor.Rand([100]);  // the default generator advancing must not move b
        Assert.Equal(fromA, Tensor.Rand([10], b).ToArray<float>());
    }

    [Fact]
    public void DisposedGeneratorIsRejected()
    {
        var g = new Generator(1);
        g.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Tensor.Randn([2], g));
    }
}
