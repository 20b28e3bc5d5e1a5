using BrainGen.Models.Denoisers;
using BrainGen.Torch;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Tests.Denoisers;

/// <summary>The covariate embedding and its learned null embedding (classifier-free guidance), against the given mask.</summary>
public class DitCovariateTests
{
    public static TheoryData<bool[]> Masks => new()
    {
        new[] { true, true, true, true },
        new[] { false, false, false, false },
        new[] { true, false, true, false },
        new[] { false, true, true, false },
    };

    [Theory]
    [MemberData(nameof(Masks))]
    public void TheNullEmbeddingIsUsedExactlyWhereTheMaskSaysNotGiven(bool[] mask)
    {
        using var model = DitFixtures.Loaded("dit2d");
        using var scope = NewDisposeScope();
        var covariates = Tensor.FromHost(DitFixtures.Io("dit2d")["covariates"]).Clone();
        covariates.Select(0, 1).Fill_(0.25);  // the fixture's NaN row: the "all given" mask must see a number
        var embedder = model.YEmbedder!;
        var rows = embedder.Forward(covariates, DitTestModels.Mask(mask), mask.Length);
        var conditioned = embedder.Forward(covariates, null, mask.Length);
        var nullRow = embedder.NullEmbedding.ToArray<float>();
        for (int i = 0; i < mask.Length; i++)
        {
            var row = rows.Select(0, i).ToArray<float>();
            Assert.Equal(mask[i] ? conditioned.Select(0, i).ToArray<float>() : nullRow, row);
            Assert.NotEqual(nullRow, conditioned.Select(0, i).ToArray<float>());
        }
    }

    [Fact]
    public void ANotGivenRowIgnoresItsCovariatesNaNIncludedAndAGivenRowDoesNot()
    {
        var config = DitTestModels.Tiny(3);
        using var model = DitTestModels.Randomized(new Dit(config), 21);
        using var scope = NewDisposeScope();
        var (x, t, covariates) = DitTestModels.Inputs(config, 2, 22);
        var given = DitTestModels.Mask(true, false);
        var before = model.Forward(x, t, covariates, given);
        var changed = Tensor.FromArray([0.9f, 0.1f, float.NaN, float.NaN], [2, 2]);
        var after = model.Forward(x, t, changed, given);
        Assert.Equal(before.Select(0, 1).ToArray<float>(), after.Select(0, 1).ToArray<float>());
        Assert.NotEqual(before.Select(0, 0).ToArray<float>(), after.Select(0, 0).ToArray<float>());
        Assert.True(after.IsFinite().All().Item<bool>());
    }

    [Fact]
    public void NoCovariatesIsEveryRowNotGivenAndNoMaskIsEveryRowGiven()
    {
        var config = DitTestModels.Tiny(2);
        using var model = DitTestModels.Randomized(new Dit(config), 31);
        using var scope = NewDisposeScope();
        var (x, t, covariates) = DitTestModels.Inputs(config, 3, 32);
        Assert.Equal(model.Forward(x, t, covariates, DitTestModels.Mask(false, false, false)).ToArray<float>(),
                     model.Forward(x, t).ToArray<float>());
        Assert.Equal(model.Forward(x, t, covariates, DitTestModels.Mask(true, true, true)).ToArray<float>(),
                     model.Forward(x, t, covariates).ToArray<float>());
    }

    [Fact]
    public void NaNCovariatesOfNotGivenRowsLeaveEveryGradientFinite()
    {
        var config = DitTestModels.Tiny(2);
        using var model = DitTestModels.Randomized(new Dit(config), 41);
        using var scope = NewDisposeScope();
        var (x, t, _) = DitTestModels.Inputs(config, 2, 42);
        var covariates = Tensor.FromArray([0.3f, 0.7f, float.NaN, float.NaN], [2, 2]);
        var loss = model.Forward(x, t, covariates, DitTestModels.Mask(true, false)).Square().Mean();
        loss.Backward();
        foreach (var (name, p) in model.NamedParameters())
            Assert.True(p.Grad is not null && p.Grad.IsFinite().All().Item<bool>(), $"{name}: gradient missing or not finite");
        model.ZeroGrad();
    }
}
