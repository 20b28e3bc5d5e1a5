namespace BrainGen.Imaging;

/// <summary>
/// Draws sagittal, coronal and axial slices through one point. The volume is first brought to its
/// closest RAS+ grid (flips and permutes only), then each panel is sampled on square pixels of
/// equal physical size, so anisotropic voxels show with their true aspect. Up is always superior
/// (or anterior in the axial view); sagittal views show anterior on the left.
/// </summary>
internal static class OrthoRenderer
{
    private static readonly (byte, byte, byte) LabelColor = (255, 220, 0);
    private static readonly (byte, byte, byte) CrossColor = (0, 200, 0);
    private const int Gap = 4;

    private sealed record Panel(int H, int V, int Fixed, bool FlipH, string LeftLabel, string RightLabel, string TopLabel, string BottomLabel);

    public static Canvas Render(Volume volume, PreviewOptions o)
    {
        var v = volume.ToCanonical();
        var point = ResolvePoint(volume, v, o);
        var spacing = v.Spacing;
        var (lo, hi) = Window(v, o);
        var neuro = o.Convention == DisplayConvention.Neurological;
        var extent = Enumerable.Range(0, 3).Max(a => v.Shape[a] * spacing[a]);
        if (o.PanelPixels > PreviewOptions.MaxPanelPixels)
            throw new ArgumentException($"a preview panel of {o.PanelPixels} pixels is more than the {PreviewOptions.MaxPanelPixels} allowed");
        var pixel = extent / Math.Max(PreviewOptions.MinPanelPixels, o.PanelPixels);

        Panel[] panels =
        [
            new(1, 2, 0, true, "A", "P", "S", "I"),
            new(0, 2, 1, !neuro, neuro ? "L" : "R", neuro ? "R" : "L", "S", "I"),
            new(0, 1, 2, !neuro, neuro ? "L" : "R", neuro ? "R" : "L", "A", "P"),
        ];
        var images = panels.Select(p => RenderPanel(v, p, point, spacing, pixel, lo, hi, o.Crosshair)).ToArray();

        var titleHeight = o.Title is null ? 0 : 24;
        var captionHeight = o.Caption ? 14 : 0;
        var width = images.Sum(i => i.Width) + Gap * (images.Length + 1);
        var height = images.Max(i => i.Height) + 2 * Gap + titleHeight + captionHeight;
        var canvas = new Canvas(width, height);
        if (o.Title is not null) canvas.DrawText(Gap, Gap, Fit(o.Title, width - 2 * Gap, 2), 2, (255, 255, 255));
        var x = Gap;
        for (var k = 0; k < images.Length; k++)
        {
            var y = Gap + titleHeight;
            canvas.DrawCanvas(x, y, images[k]);
            var p = panels[k];
            var w = images[k].Width;
            var h = images[k].Height;
            canvas.DrawText(x + 2, y + h / 2 - 8, p.LeftLabel, 2, LabelColor);
            canvas.DrawText(x + w - 12, y + h / 2 - 8, p.RightLabel, 2, LabelColor);
            canvas.DrawText(x + w / 2 - 5, y + 2, p.TopLabel, 2, LabelColor);
            canvas.DrawText(x + w / 2 - 5, y + h - 18, p.BottomLabel, 2, LabelColor);
            x += w + Gap;
        }
        if (o.Caption)
        {
            var world = v.Affine.Transform(point[0], point[1], point[2]);
            var caption = $"{(neuro ? "neurological (left is left)" : "radiological (left is right)")}  at ({world.X:0.#}, {world.Y:0.#}, {world.Z:0.#}) mm";
            canvas.DrawText(Gap, height - captionHeight, Fit(caption, width - 2 * Gap, 1), 1, (200, 200, 200));
        }
        return canvas;
    }

    private static string Fit(string text, int width, int scale)
    {
        var max = Math.Max(1, width / (BitmapFont.Advance * scale));
        return text.Length <= max ? text : text[..max];
    }

    /// <summary>Slice point as a voxel of the canonical grid.</summary>
    private static int[] ResolvePoint(Volume original, Volume canonical, PreviewOptions o)
    {
        (double X, double Y, double Z)? world = null;
        if (o.WorldPoint is { Length: 3 } w) world = (w[0], w[1], w[2]);
        else if (o.VoxelPoint is { Length: 3 } p) world = original.Affine.Transform(p[0], p[1], p[2]);
        if (world is null) return [canonical.Shape[0] / 2, canonical.Shape[1] / 2, canonical.Shape[2] / 2];
        var c = canonical.Affine.Inverse().Transform(world.Value.X, world.Value.Y, world.Value.Z);
        double[] coords = [c.X, c.Y, c.Z];
        return Enumerable.Range(0, 3).Select(a => Math.Clamp((int)Math.Round(coords[a]), 0, canonical.Shape[a] - 1)).ToArray();
    }

    private static (float Lo, float Hi) Window(Volume v, PreviewOptions o)
    {
        if (o.WindowMin is { } a && o.WindowMax is { } b) return (a, b);
        // A strided sample of at most ~1M voxels gives the percentiles to well under a grey level.
        var step = Math.Max(1, v.VoxelCount / 1_000_000);
        var sample = new List<float>(v.VoxelCount / step + 1);
        for (var i = 0; i < v.VoxelCount; i += step)
            if (float.IsFinite(v.Data[i])) sample.Add(v.Data[i]);
        if (sample.Count == 0) return (0, 1);
        var arr = sample.ToArray();
        var lo = o.WindowMin ?? Statistics.Percentile(arr, 0.5);
        var hi = o.WindowMax ?? Statistics.Percentile(arr, 99.5);
        if (!(hi > lo)) hi = lo + 1;
        return (lo, hi);
    }

    private static Canvas RenderPanel(Volume v, Panel p, int[] point, double[] spacing, double pixel, float lo, float hi, bool crosshair)
    {
        int nh = v.Shape[p.H], nv = v.Shape[p.V];
        var width = Math.Max(1, (int)Math.Round(nh * spacing[p.H] / pixel));
        var height = Math.Max(1, (int)Math.Round(nv * spacing[p.V] / pixel));
        var gray = new byte[width * height];
        var scale = 255.0 / (hi - lo);
        Parallel.For(0, height, r =>
        {
            var cv = nv - 1 - ((r + 0.5) * pixel / spacing[p.V] - 0.5);
            for (var u = 0; u < width; u++)
            {
                var ch = (u + 0.5) * pixel / spacing[p.H] - 0.5;
                if (p.FlipH) ch = nh - 1 - ch;
                var value = SampleSlice(v, p, point[p.Fixed], ch, cv);
                gray[u + width * r] = (byte)Math.Clamp((value - lo) * scale, 0, 255);
            }
        });
        var canvas = new Canvas(width, height);
        canvas.DrawGray(0, 0, width, height, gray);
        if (crosshair)
        {
            var hIndex = p.FlipH ? nh - 1 - point[p.H] : point[p.H];
            var px = (int)Math.Round((hIndex + 0.5) * spacing[p.H] / pixel - 0.5);
            var py = (int)Math.Round((nv - 1 - point[p.V] + 0.5) * spacing[p.V] / pixel - 0.5);
            for (var u = 0; u < width; u++) if (Math.Abs(u - px) > 6) canvas.Set(u, py, CrossColor);
            for (var r = 0; r < height; r++) if (Math.Abs(r - py) > 6) canvas.Set(px, r, CrossColor);
        }
        return canvas;
    }

    /// <summary>Bilinear sample of the slice fixed at index f, at fractional (h, v) voxel coordinates.</summary>
    private static double SampleSlice(Volume vol, Panel p, int f, double h, double v)
    {
        int nh = vol.Shape[p.H], nv = vol.Shape[p.V];
        h = Math.Clamp(h, 0, nh - 1);
        v = Math.Clamp(v, 0, nv - 1);
        int h0 = (int)h, v0 = (int)v;
        int h1 = Math.Min(h0 + 1, nh - 1), v1 = Math.Min(v0 + 1, nv - 1);
        double th = h - h0, tv = v - v0;
        var idx = new int[3];
        double At(int hh, int vv)
        {
            idx[p.H] = hh;
            idx[p.V] = vv;
            idx[p.Fixed] = f;
            var x = vol[idx[0], idx[1], idx[2]];
            return float.IsFinite(x) ? x : 0;
        }
        var top = At(h0, v0) * (1 - th) + At(h1, v0) * th;
        var bottom = At(h0, v1) * (1 - th) + At(h1, v1) * th;
        return top * (1 - tv) + bottom * tv;
    }
}
