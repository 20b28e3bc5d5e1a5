using System.Text.Json;
using BrainGen.Torch;
using BrainGen.Torch.Serialization;

namespace BrainGen.Pipelines.Tests.Evaluation;

/// <summary>
/// The MONAI golden values written by tools/fixtures/make_metric_fixtures.py, and the inputs rebuilt
/// exactly as that script builds them from the stored low-resolution grids.
/// </summary>
internal static class MetricFixtures
{
    public static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "metrics");
    private static readonly Lazy<IReadOnlyDictionary<string, HostTensor>> Tensors =
        new(() => SafeTensors.Load(Path.Combine(Folder, "metrics.safetensors")));
    private static readonly Lazy<JsonElement> Cases =
        new(() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "cases.json"))).RootElement);

    public static Tensor Get(string name) => Tensor.FromHost(Tensors.Value[name]);

    public static double[] Expected(string name)
    {
        using var t = Get($"{name}.expected");
        return t.ToArray<double>();
    }

    public static JsonElement Args(string name) => Cases.Value.GetProperty(name).GetProperty("args");

    public static long[] Shape(string name) => Cases.Value.GetProperty(name).GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();

    /// <summary>x = sigmoid(up(x_low)), y = clamp(x + 0.25 up(d_low) + 0.1 up(y_low), 0, 1), up = linear interpolation to the case's shape.</summary>
    public static (Tensor X, Tensor Y) Images(string name)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var shape = Shape(name);
        Tensor Up(string part) => Functional.Interpolate(Get($"{name}.{part}"), size: shape, mode: InterpolationMode.Linear);
        var x = Up("x_low").Sigmoid();
        var y = (x + Up("d_low") * 0.25 + Up("y_low") * 0.1).Clamp(0, 1);
        return (x.MoveToOuterScope(), y.MoveToOuterScope());
    }

    public static double Double(JsonElement args, string key, double fallback) => args.TryGetProperty(key, out var v) ? v.GetDouble() : fallback;

    /// <summary>|actual - expected| within rel·|expected| + abs.</summary>
    public static void Close(double expected, double actual, double rel, double abs = 0, string what = "")
    {
        double tol = rel * Math.Abs(expected) + abs;
        Assert.True(Math.Abs(actual - expected) <= tol, $"{what}: expected {expected:R}, got {actual:R} (|diff| {Math.Abs(actual - expected):E2} > {tol:E2})");
    }
}
