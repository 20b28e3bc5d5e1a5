namespace BrainGen.Imaging;

/// <summary>
/// The number of elements a grid of a computed shape holds, checked before anything is allocated:
/// shapes that come from options or files (a spacing of 0.001 mm, a 30000-pixel preview) must end
/// in an error that says which grid is too large, not in an arithmetic overflow.
/// </summary>
public static class GridSize
{
    /// <summary>The most elements one .NET array (one volume, one canvas) can hold.</summary>
    public static long MaxElements => Array.MaxLength;

    /// <summary>The element count of <paramref name="shape"/>; throws naming <paramref name="what"/> when it is not positive or exceeds <see cref="MaxElements"/>.</summary>
    public static int Elements(string what, params double[] shape)
    {
        if (shape.Any(n => !(n >= 1))) throw new ArgumentException($"{what}: the grid {Describe(shape)} has a size below 1");
        var product = shape.Aggregate(1.0, (a, n) => a * n);
        if (product > MaxElements)
            throw new ArgumentException($"{what}: a {Describe(shape)} grid would hold {product:G3} elements, more than the {MaxElements} one array can hold");
        return (int)product;
    }

    private static string Describe(double[] shape) => string.Join("x", shape.Select(n => n.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)));
}
