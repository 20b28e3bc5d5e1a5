using BrainGen.Torch.NN;

namespace BrainGen.Torch.Tests.Engine.NN;

/// <summary>A NaN or Inf weight is refused when it is loaded, naming the source and the tensor.</summary>
public class NonFiniteWeightTests
{
    private static HostTensor Host(DType dtype, params float[] values)
    {
        using var t = Tensor.FromArray(values, [values.Length]).To(dtype);
        return t.ToHost();
    }

    public static TheoryData<DType> FloatTypes => new() { DType.Float32, DType.Float64, DType.Float16, DType.BFloat16 };

    [Theory]
    [MemberData(nameof(FloatTypes))]
    public void HostTensorsCountTheirNaNAndInfElements(DType dtype)
    {
        Assert.Equal(0, Host(dtype, 0, -1.5f, 3e4f, float.Epsilon).NonFiniteCount());
        Assert.Equal(3, Host(dtype, float.NaN, 1, float.PositiveInfinity, float.NegativeInfinity).NonFiniteCount());
        using var t = Tensor.FromArray([float.NaN, 1, float.PositiveInfinity, 2], [4]).To(dtype);
        Assert.Equal(2, t.NonFiniteCount());
    }

    [Fact]
    public void IntegerTensorsHaveNoNonFiniteElements()
    {
        using var t = Tensor.FromArray([1L, -2, 3], [3]);
        Assert.Equal(0, t.NonFiniteCount());
        Assert.Equal(0, t.ToHost().NonFiniteCount());
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void LoadingANonFiniteWeightNamesTheSourceAndTheKey(float bad)
    {
        using var layer = new Linear(2, 2);
        var state = layer.StateDictToHost();
        state["bias"] = Host(DType.Float32, 0.5f, bad);
        var e = Assert.Throws<InvalidDataException>(() => layer.LoadStateDict(state, strict: true, source: "weights.safetensors"));
        Assert.Contains("weights.safetensors", e.Message);
        Assert.Contains("'bias'", e.Message);
        Assert.Contains("1 non-finite", e.Message);
    }
}
