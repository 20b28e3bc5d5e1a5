using System.Buffers.Binary;
using System.IO.Compression;

namespace BrainGen.Imaging.Tests;

public class PreviewTests
{
    /// <summary>Decodes the PNGs our encoder writes (8-bit, filters None/Up), checking every CRC.</summary>
    private static (int Width, int Height, int Channels, byte[] Pixels) Decode(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        int pos = 8, width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        while (pos < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            var type = System.Text.Encoding.ASCII.GetString(png, pos + 4, 4);
            var data = png.AsSpan(pos + 8, length);
            Assert.Equal(Crc32.Compute(png.AsSpan(pos + 4, length + 4)), BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + length)));
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                channels = data[9] == 2 ? 3 : 1;
            }
            if (type == "IDAT") idat.Write(data);
            pos += 12 + length;
        }
        using var z = new ZLibStream(new MemoryStream(idat.ToArray()), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        z.CopyTo(raw);
        var stride = width * channels;
        var filtered = raw.ToArray();
        var pixels = new byte[stride * height];
        for (var y = 0; y < height; y++)
        {
            var filter = filtered[y * (stride + 1)];
            for (var i = 0; i < stride; i++)
            {
                var b = filtered[y * (stride + 1) + 1 + i];
                pixels[y * stride + i] = filter == 2 && y > 0 ? (byte)(b + pixels[(y - 1) * stride + i]) : b;
            }
        }
        return (width, height, channels, pixels);
    }

    [Fact]
    public void Png_round_trips_gray_and_rgb()
    {
        var gray = Enumerable.Range(0, 7 * 5).Select(i => (byte)(i * 7)).ToArray();
        var g = Decode(Png.Encode(7, 5, gray, PngColor.Gray8));
        Assert.Equal((7, 5, 1), (g.Width, g.Height, g.Channels));
        Assert.Equal(gray, g.Pixels);
        var rgb = Enumerable.Range(0, 4 * 3 * 3).Select(i => (byte)(255 - i)).ToArray();
        Assert.Equal(rgb, Decode(Png.Encode(4, 3, rgb, PngColor.Rgb8)).Pixels);
    }

    /// <summary>A 20x30x10 mm-ish RAS volume, bright only in the subject's right half.</summary>
    private static Volume RightHalfBright(Affine affine)
    {
        var v = new Volume([20, 30, 10], new float[6000], affine);
        for (var z = 0; z < 10; z++) for (var y = 0; y < 30; y++) for (var x = 10; x < 20; x++) v[x, y, z] = 100;
        return v;
    }


    [Theory]
    [InlineData(DisplayConvention.Neurological)]
    [InlineData(DisplayConvention.Radiological)]
    public void Axial_panel_puts_the_subject_right_on_the_side_the_convention_says(DisplayConvention convention)
    {
        // voxel size 1 x 2 x 3 mm: extents 20, 60, 30 mm; longest = 60 mm -> 120 px panels at 120 px
        var v = RightHalfBright(Affine.FromSpacing(1, 2, 3));
        var c = Preview.RenderOrthogonal(v, new PreviewOptions { Convention = convention, PanelPixels = 120, Crosshair = false, Caption = false });
        // axial panel: 20 mm wide -> 40 px, 60 mm tall -> 120 px, last of three panels
        var x0 = c.Width - 4 - 40;
        var y = 4 + 30;
        var leftBright = c.Get(x0 + 5, y).R > 128;
        var rightBright = c.Get(x0 + 34, y).R > 128;
        Assert.NotEqual(leftBright, rightBright);
        Assert.Equal(convention == DisplayConvention.Neurological, rightBright);
        // the same physical aspect whatever the voxel sizes: sagittal 60 x 30 mm -> 120 x 60 px
        Assert.Equal(4 + 120 + 4 + 40 + 4 + 40 + 4, c.Width);
    }

    [Fact]
    public void Reorienting_the_input_does_not_change_the_preview()
    {
        var v = RightHalfBright(Affine.FromSpacing(1, 2, 3));
        var a = Preview.RenderOrthogonal(v);
        var b = Preview.RenderOrthogonal(v.Reorient("LPI"));
        Assert.Equal(a.Pixels, b.Pixels);
    }

    [Fact]
    public void Orthogonal_preview_of_colin27_is_written_as_a_valid_png()
    {
        var path = Path.Combine(TestFiles.Mricron, "ch2.nii.gz");
        using var dir = TestFiles.TempDir();
        Preview.WriteOrthogonal(Nifti.Read(path), dir.File("ch2.png"));
        var png = Decode(File.ReadAllBytes(dir.File("ch2.png")));
        Assert.Equal(3, png.Channels);
        Assert.True(png.Pixels.Count(b => b > 100) > png.Pixels.Length / 10, "a brain preview should not be mostly black");
    }

    [Fact]
    public void Montage_tiles_every_volume_with_its_label()
    {
        var a = RightHalfBright(Affine.FromSpacing(2, 2, 2));
        var one = Preview.RenderOrthogonal(a, new PreviewOptions { PanelPixels = 160, Title = "x" });
        var m = Preview.RenderMontage([("sub-01", a), ("sub-02", a), ("sub-03", a)], columns: 2);
        Assert.Equal((2 * one.Width, 2 * one.Height), (m.Width, m.Height));
        var titled = Preview.RenderMontage([("sub-01", a)], columns: 1);
        var untitledRow = Enumerable.Range(0, titled.Width).Count(x => titled.Get(x, 10) == (255, 255, 255));
        Assert.True(untitledRow > 0, "label text is drawn in the tile's title bar");
    }
}
