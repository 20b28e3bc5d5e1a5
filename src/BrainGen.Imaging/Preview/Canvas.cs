namespace BrainGen.Imaging;

/// <summary>An RGB raster to compose previews on, then encode as PNG.</summary>
public sealed class Canvas
{
    public Canvas(int width, int height, (byte R, byte G, byte B) background = default)
    {
        if (width < 1 || height < 1) throw new ArgumentException($"canvas size {width}x{height} must be positive");
        Width = width;
        Height = height;
        Pixels = new byte[GridSize.Elements($"a {width}x{height} preview", width, height, 3)];
        if (background != default) FillRect(0, 0, width, height, background);
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>R G B bytes, row by row from the top.</summary>
    public byte[] Pixels { get; }

    public void Set(int x, int y, (byte R, byte G, byte B) c)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height) return;
        var i = 3 * (x + Width * y);
        Pixels[i] = c.R;
        Pixels[i + 1] = c.G;
        Pixels[i + 2] = c.B;
    }

    public (byte R, byte G, byte B) Get(int x, int y)
    {
        var i = 3 * (x + Width * y);
        return (Pixels[i], Pixels[i + 1], Pixels[i + 2]);
    }

    public void FillRect(int x, int y, int w, int h, (byte R, byte G, byte B) c)
    {
        for (var yy = Math.Max(0, y); yy < Math.Min(Height, y + h); yy++)
            for (var xx = Math.Max(0, x); xx < Math.Min(Width, x + w); xx++) Set(xx, yy, c);
    }

    /// <summary>Copies a grey image (row-major, top row first) with its top-left corner at (x, y).</summary>
    public void DrawGray(int x, int y, int w, int h, ReadOnlySpan<byte> gray)
    {
        for (var yy = 0; yy < h; yy++)
            for (var xx = 0; xx < w; xx++)
            {
                var g = gray[xx + w * yy];
                Set(x + xx, y + yy, (g, g, g));
            }
    }

    public void DrawCanvas(int x, int y, Canvas other)
    {
        for (var yy = 0; yy < other.Height; yy++)
            for (var xx = 0; xx < other.Width; xx++) Set(x + xx, y + yy, other.Get(xx, yy));
    }

    /// <summary>Text in the 5x8 bitmap font, each font pixel drawn as a scale x scale block.</summary>
    public void DrawText(int x, int y, string text, int scale, (byte R, byte G, byte B) color)
    {
        for (var k = 0; k < text.Length; k++)
        {
            var glyph = BitmapFont.Glyph(text[k]);
            var gx = x + k * BitmapFont.Advance * scale;
            for (var col = 0; col < BitmapFont.GlyphWidth; col++)
                for (var row = 0; row < BitmapFont.GlyphHeight; row++)
                    if ((glyph[col] >> row & 1) != 0) FillRect(gx + col * scale, y + row * scale, scale, scale, color);
        }
    }

    public byte[] ToPng() => Png.Encode(Width, Height, Pixels, PngColor.Rgb8);

    public void WritePng(string path) => AtomicFile.WriteAllBytes(path, ToPng());
}
