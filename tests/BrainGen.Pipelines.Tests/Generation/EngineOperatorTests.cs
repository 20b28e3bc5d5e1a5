using BrainGen.Models.Schedulers;
using BrainGen.Pipelines.Generation;

namespace BrainGen.Pipelines.Tests.Generation;

/// <summary>
/// Every generated ATen operator that the engine, the models and the pipelines call (read from their
/// IL) fits the linked libtorch. On the libtorch the op layer was generated from this always holds;
/// run against another one (a PyTorch 2.x install with CUDA), it is the check that the whole program
/// can run there (docs/engine.md, GPU).
/// </summary>
public class EngineOperatorTests
{
    [Fact]
    public void OperatorsBrainGenCallsFitTheLinkedLibtorch()
    {
        var assemblies = new[] { typeof(Torch.Tensor).Assembly, typeof(DDIMScheduler).Assembly, typeof(LatentDiffusionModel).Assembly };
        var problems = Torch.Torch.CheckOperatorsCalledBy(assemblies);
        Assert.True(problems.Count == 0, $"libtorch {Torch.Torch.Version}: {problems.Count} problems:\n{string.Join("\n", problems)}");
    }
}
