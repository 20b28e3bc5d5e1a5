using BrainGen.Models.Denoisers;
using BrainGen.Torch;
using BrainGen.Torch.Optim;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Tests.Denoisers;

public class DitTrainingSmokeTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void OneAdamWStepFromTheZeroInitReducesTheLossOnAFixedBatch(int dims)
    {
        var config = DitTestModels.Tiny(dims);
        using var generator = new Generator(51);
        using var model = new Dit(config, generator);
        var (x, t, covariates) = DitTestModels.Inputs(config, 4, 52);
        using var target = Tensor.Randn(x.Shape, generator);
        using var given = DitTestModels.Mask(true, false, true, true);
        using var optimizer = new AdamW(model.Parameters(), learningRate: 1e-3, weightDecay: 0);

        double Loss(bool step)
        {
            using var scope = NewDisposeScope();
            var loss = Functional.MseLoss(model.Forward(x, t, covariates, given), target);
            if (step)
            {
                optimizer.ZeroGrad();
                loss.Backward();
                optimizer.Step();
            }
            return loss.ToDouble();
        }

        double first = Loss(step: true), second = Loss(step: false);
        Assert.True(second < first, $"loss {first} -> {second} after one step");
        // adaLN-Zero: with final_layer.linear at zero, the first gradient reaches only that layer (the one that moves);
        // everything behind it, the blocks' zero modulations included, gets none yet.
        Assert.True(model.FinalLayer.Linear.Weight.Abs().Max().ToDouble() > 0);
        Assert.Equal(0, model.Blocks[0].Modulation.Weight.Abs().Max().ToDouble());
        Assert.Equal(0, model.FinalLayer.Modulation.Weight.Abs().Max().ToDouble());
    }
}
