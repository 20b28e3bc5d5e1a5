namespace BrainGen.Tests;

/// <summary>
/// Tolerance asserts for floating-point results: |actual − expected| ≤ abs + rel·|expected|
/// (numpy.isclose with the expected value as the reference). They replace xunit's rounded
/// equality (the decimal-places overload of Assert.Equal), which fails two values 1e-8 apart when
/// they straddle a rounding boundary and passes values almost 1e-4 apart. Linked into every test
/// project; tests/ holds no rounded-equality assert.
/// </summary>
internal static class AssertClose
{
    public static void Equal(double expected, double actual, double abs = 0, double rel = 0, string? what = null)
    {
        if (abs < 0 || rel < 0 || abs == 0 && rel == 0)
            throw new ArgumentException($"a tolerance needs abs or rel above 0 (abs {abs}, rel {rel})");
        double allowed = abs + rel * Math.Abs(expected);
        double error = Math.Abs(actual - expected);
        if (double.IsInfinity(expected) || double.IsInfinity(actual) ? expected == actual : error <= allowed) return;  // a NaN never matches
        string tolerance = (abs > 0 ? $"{abs:g3}" : "") + (abs > 0 && rel > 0 ? " + " : "") + (rel > 0 ? $"{rel:g3}·|expected|" : "");
        Assert.Fail($"{(what is null ? "" : what + ": ")}expected {expected:R}, got {actual:R}: off by {error:g3}, beyond {tolerance}");
    }
}
