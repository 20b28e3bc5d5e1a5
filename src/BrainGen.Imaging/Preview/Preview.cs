namespace BrainGen.Imaging;

/// <summary>
/// PNG previews of volumes: orthogonal slices (sagittal, coronal, axial) through a point, and a
/// labelled montage of several volumes. Axial and coronal panels follow the chosen
/// <see cref="DisplayConvention"/> (neurological by default) and are lettered L/R, A/P, S/I.
/// </summary>
public static class Preview
{
    public static void WriteOrthogonal(Volume v, string pngPath, PreviewOptions? options = null) =>
        RenderOrthogonal(v, options).WritePng(pngPath);

    public static Canvas RenderOrthogonal(Volume v, PreviewOptions? options = null) =>
        OrthoRenderer.Render(v, options ?? new PreviewOptions());

    /// <summary>One orthogonal-slice tile per volume, each titled with its label, in a grid.</summary>
    public static void WriteMontage(IReadOnlyList<(string Label, Volume Volume)> items, string pngPath, int columns = 2, PreviewOptions? options = null) =>
        RenderMontage(items, columns, options).WritePng(pngPath);

    public static Canvas RenderMontage(IReadOnlyList<(string Label, Volume Volume)> items, int columns = 2, PreviewOptions? options = null)
    {
        if (items.Count == 0) throw new ArgumentException("a montage needs at least one volume");
        if (columns < 1) throw new ArgumentException($"columns must be >= 1, got {columns}");
        var o = options ?? new PreviewOptions { PanelPixels = 160 };
        var tiles = new Canvas[items.Count];
        Parallel.For(0, items.Count, i => tiles[i] = OrthoRenderer.Render(items[i].Volume, o with { Title = items[i].Label }));
        columns = Math.Min(columns, items.Count);
        var rows = (items.Count + columns - 1) / columns;
        var cellW = tiles.Max(t => t.Width);
        var cellH = tiles.Max(t => t.Height);
        var canvas = new Canvas(cellW * columns, cellH * rows, (24, 24, 24));
        for (var i = 0; i < tiles.Length; i++)
            canvas.DrawCanvas(i % columns * cellW, i / columns * cellH, tiles[i]);
        return canvas;
    }
}
