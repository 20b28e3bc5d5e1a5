using Xunit.Sdk;

namespace BrainGen.Imaging.Tests;

/// <summary>tests/Shared/AssertClose.cs, the tolerance assert every test project links: it must fail where it should.</summary>
public class AssertCloseTests
{
    [Theory]
    [InlineData(1.0, 1.0 + 1e-7, 1e-6, 0)]           // within an absolute tolerance
    [InlineData(1000.0, 1000.0009, 0, 1e-6)]         // within a relative one (1e-3 allowed)
    [InlineData(-0.186949953, -0.186950013, 1e-6, 0)] // the pair rounded equality to 4 places refused
    [InlineData(double.PositiveInfinity, double.PositiveInfinity, 1e-6, 0)]
    public void AcceptsValuesWithinTheTolerance(double expected, double actual, double abs, double rel) =>
        AssertClose.Equal(expected, actual, abs, rel);

    [Theory]
    [InlineData(1.0, 1.0 + 2e-6, 1e-6, 0)]
    [InlineData(1000.0, 1000.0011, 0, 1e-6)]
    [InlineData(0.0, 9e-5, 1e-5, 0)]                  // rounded equality to 4 places let this pass
    [InlineData(1.0, double.NaN, 1e-6, 0)]
    [InlineData(double.NaN, double.NaN, 1e-6, 0)]
    [InlineData(double.PositiveInfinity, double.NegativeInfinity, 1e-6, 1e-6)]
    public void RefusesValuesBeyondTheTolerance(double expected, double actual, double abs, double rel)
    {
        var e = Assert.Throws<FailException>(() => AssertClose.Equal(expected, actual, abs, rel, "value"));
        Assert.StartsWith("value: expected ", e.Message);
    }

    [Fact]
    public void NeedsATolerance() => Assert.Throws<ArgumentException>(() => AssertClose.Equal(1, 1));
}
