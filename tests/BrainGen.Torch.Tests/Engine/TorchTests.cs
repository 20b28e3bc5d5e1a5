namespace BrainGen.Torch.Tests.Engine;

/// <summary>Process-wide engine facts (Torch.cs): the generated op layer fits the linked libtorch.</summary>
public class TorchTests
{
    [Fact]
    public void EveryGeneratedOperatorFitsTheLinkedLibtorch()
    {
        // Resolves each of the generated overloads and checks its runtime schema against the one
        // the C# method was generated from (tools/opgen/schemas-1.13.txt).
        var problems = Torch.CheckGeneratedSchemas();
        Assert.True(problems.Count == 0, $"libtorch {Torch.Version}: {problems.Count} problems, e.g.\n{string.Join("\n", problems.Take(20))}");
        Assert.StartsWith("1.13", Torch.Version);
    }

    [Fact]
    public void GeneratedOperatorsAreReallyChecked()
    {
        // The check above must be able to fail: an operator this libtorch lacks is reported.
        var missing = new Interop.OpHandle("aten::no_such_operator", "", "aten::no_such_operator(Tensor self) -> Tensor");
        Assert.False(missing.IsAvailable);
        var e = Assert.Throws<TorchException>(() => missing.RuntimeSchema());
        Assert.Contains("no such operator", e.Message);
        int generated = typeof(Ops).GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)
            .Count(f => f.FieldType == typeof(Interop.OpHandle));
        Assert.True(generated > 1000, $"only {generated} generated overloads were found to check");
    }
}
