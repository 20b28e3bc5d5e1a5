using BrainGen.Models.Schedulers;

namespace BrainGen.Models.Tests.Schedulers;

public class SamplerNamesTests
{
    [Theory]
    [InlineData("ddim", SamplerKind.Ddim, typeof(DDIMScheduler))]
    [InlineData("ddpm", SamplerKind.Ddpm, typeof(DDPMScheduler))]
    [InlineData("dpm++", SamplerKind.DpmSolver, typeof(DpmSolverMultistepScheduler))]
    public void EachNameMapsToItsSchedulerAndBack(string name, SamplerKind kind, Type scheduler)
    {
        Assert.Equal(kind, SamplerNames.Parse(name));
        Assert.Equal(name, kind.Name());
        var config = SchedulerConfig.BrainLdm with { PredictionType = PredictionType.VPrediction };
        var built = config.CreateSampler(kind);
        Assert.IsType(scheduler, built);
        Assert.Equal(PredictionType.VPrediction, built.PredictionType);
    }

    [Fact]
    public void EveryKindHasADistinctName()
    {
        var kinds = Enum.GetValues<SamplerKind>();
        Assert.Equal(kinds.Length, kinds.Select(k => k.Name()).Distinct().Count());
        Assert.Equal(kinds.Select(k => k.Name()), SamplerNames.All);
    }

    [Fact]
    public void UnknownNamesAndMismatchedModelsAreRefusedByName()
    {
        Assert.Contains("--sampler 'dpm': expected one of ddim, ddpm, rflow, dpm++", Assert.Throws<ArgumentException>(() => SamplerNames.Parse("dpm")).Message);
        var flow = new SchedulerConfig { RectifiedFlow = true };
        Assert.Contains("use --sampler rflow, not dpm++", Assert.Throws<ArgumentException>(() => flow.CreateSampler(SamplerKind.DpmSolver)).Message);
        Assert.IsType<RectifiedFlowScheduler>(flow.CreateSampler(SamplerNames.Parse("rflow")));
    }
}
