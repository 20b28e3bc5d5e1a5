using BrainGen.Models.Conditioning;
using BrainGen.Torch;

namespace BrainGen.Models.Tests.Conditioning;

/// <summary>"Given or not" travels as a mask beside the values: a value equal to the null value is still given.</summary>
public class ConditioningMaskTests
{
    private static readonly ConditioningSpec Spec = new()
    {
        Covariates =
        [
            new Covariate { Name = "sex", Categories = ["F", "M"] },
            new Covariate { Name = "brain_volume_ml", Min = 1200, Max = 1400, Unit = "mL" },
        ],
    };

    [Fact]
    public void AValueThatNormalizesToTheNullValueIsStillGiven()
    {
        // min − (max − min) normalizes to exactly −1, the null value.
        var row = Spec.NormalizeRow(new Dictionary<string, string> { ["brain_volume_ml"] = "1000" });
        Assert.Equal(Spec.NullValue, row.Values[1]);
        Assert.Equal([false, true], row.Given);
        Assert.Equal(Spec.NullValue, row.Values[0]);
    }

    [Fact]
    public void DefaultsCountAsGiven()
    {
        var row = Spec.NormalizeRow(new Dictionary<string, string>(), new Dictionary<string, double> { ["sex"] = 1 });
        Assert.Equal([1.0, -1], row.Values);
        Assert.Equal([true, false], row.Given);
    }

    [Fact]
    public void GuidanceDropoutDropsByTheMaskNotByTheValue()
    {
        using var scope = Torch.Torch.NewDisposeScope();
        // Row 0 gives a value equal to the null value (kept); row 1 misses its second covariate (nulled).
        var rows = Tensor.FromArray([-1f, 0.25f, 0.5f, 0.75f], [2, 2]);
        var given = Tensor.FromArray([true, true, true, false], [2, 2]);
        var kept = Spec.DropForGuidance(rows, given, 0, null).ToArray<float>();
        Assert.Equal([-1f, 0.25f, 0.5f, -1f], kept);
        var dropped = Spec.DropForGuidance(rows, given, 1, null).ToArray<float>();
        Assert.All(dropped, v => Assert.Equal(-1f, v));
    }

    [Fact]
    public void WithEveryCovariateGivenDropoutDrawsAsBefore()
    {
        // Seeded training must not change: the same generator draws decide the same rows.
        using var scope = Torch.Torch.NewDisposeScope();
        using var g1 = new Generator(12);
        using var g2 = new Generator(12);
        var rows = Tensor.Rand([64, 2], g1);
        var given = Tensor.Ones([64, 2], DType.Bool);
        var dropped = Spec.DropForGuidance(rows, given, 0.3, g1).ToArray<float>();
        Tensor.Rand([64, 2], g2);
        var draws = Tensor.Rand([64, 1], g2).ToArray<float>();
        var values = rows.ToArray<float>();
        for (int i = 0; i < 64; i++)
            for (int k = 0; k < 2; k++)
                Assert.Equal(draws[i] < 0.3 ? -1f : values[2 * i + k], dropped[2 * i + k]);
        Assert.Contains(-1f, dropped);
        Assert.Contains(dropped, v => v != -1f);
    }
}
