using BrainGen.Models.Blocks;
using BrainGen.Torch;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Tests.Diffusion;

public class TimestepEmbeddingTests
{
    /// <summary>GM get_timestep_embedding([980], 256): golden values from the reference survey (§3.6), cos first.</summary>
    [Theory]
    [InlineData(0, 0.98439258)]
    [InlineData(1, 0.62262642)]
    [InlineData(2, 0.91511512)]
    [InlineData(127, 0.99445987)]
    [InlineData(128, -0.17598660)]
    [InlineData(255, 0.10511699)]
    public void MatchesGoldenValues(int index, double expected)
    {
        using var scope = NewDisposeScope();
        var emb = TimestepEmbedding.Sinusoidal(Tensor.FromArray([980L]), 256);
        Assert.Equal([1L, 256], emb.Shape);
        Assert.Equal(DType.Float32, emb.DType);
        AssertClose.Equal(expected, emb.ToArray<float>()[index], abs: 1e-6);
    }

    [Fact]
    public void IntegerAndFloatTimestepsAgreeAndOddDimsArePaddedWithZero()
    {
        using var scope = NewDisposeScope();
        var fromInt = TimestepEmbedding.Sinusoidal(Tensor.FromArray([0L, 17L]), 7).ToArray<float>();
        var fromFloat = TimestepEmbedding.Sinusoidal(Tensor.FromArray([0f, 17f]), 7).ToArray<float>();
        Assert.Equal(fromInt, fromFloat);
        Assert.Equal([1f, 1f, 1f, 0f, 0f, 0f, 0f], fromInt[..7]);  // t = 0: cos = 1, sin = 0, pad 0
        Assert.Equal(0f, fromInt[13]);
    }

    [Fact]
    public void RejectsTimestepsThatAreNotOneDimensional()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => TimestepEmbedding.Sinusoidal(Tensor.Zeros([2, 1]), 8));
        Assert.Contains("1-d", e.Message);
    }
}
