namespace BrainGen.Imaging.Tests;

public class ResampleCropNormalizeTests
{
    [Fact]
    public void Trilinear_reproduces_a_linear_field_and_keeps_the_field_of_view_centre()
    {
        var affine = Affine.FromSpacing(2, 2, 2, -20, -30, -10);
        var v = new Volume([11, 13, 9], new float[11 * 13 * 9], affine);
        for (var z = 0; z < 9; z++) for (var y = 0; y < 13; y++) for (var x = 0; x < 11; x++)
        {
            var w = affine.Transform(x, y, z);
            v[x, y, z] = (float)(3 * w.X - 2 * w.Y + 0.5 * w.Z);
        }
        var r = v.ResampleToSpacing([1, 1, 1]);
        Assert.Equal([22, 26, 18], r.Shape);
        Assert.Equal([1.0, 1.0, 1.0], r.Spacing);
        var c0 = v.Affine.Transform(5, 6, 4);
        var c1 = r.Affine.Transform(10.5, 12.5, 8.5);
        Assert.Equal(c0, c1);
        // inside the input's voxel-centre hull the linear field is reproduced exactly (up to float)
        for (var z = 1; z < 17; z++) for (var y = 1; y < 25; y++) for (var x = 1; x < 21; x++)
        {
            var w = r.Affine.Transform(x, y, z);
            AssertClose.Equal(3 * w.X - 2 * w.Y + 0.5 * w.Z, r[x, y, z], abs: 1e-5, rel: 1e-5);
        }
    }

    [Fact]
    public void Nearest_resampling_never_invents_labels()
    {
        var labels = TestFiles.Ramp(8, 8, 8, Affine.FromSpacing(1, 1, 1), i => i % 5 * 10);
        var r = labels.ResampleToSpacing([0.7, 1.3, 0.9], Interpolation.Nearest);
        Assert.All(r.Data, x => Assert.Contains(x, new float[] { 0, 10, 20, 30, 40 }));
    }

    [Fact]
    public void Resampling_to_a_grid_places_voxels_by_world_position()
    {
        var v = TestFiles.Ramp(10, 10, 10, Affine.FromSpacing(1, 1, 1));
        var shifted = Affine.FromSpacing(1, 1, 1, 2, 3, 4);
        var r = v.ResampleToGrid([4, 4, 4], shifted);
        Assert.Equal(v[2, 3, 4], r[0, 0, 0]);
        Assert.Equal(v[5, 6, 7], r[3, 3, 3]);
        var outside = v.ResampleToGrid([2, 2, 2], Affine.FromSpacing(1, 1, 1, 50, 0, 0));
        Assert.All(outside.Data, x => Assert.Equal(0, x));
    }

    [Fact]
    public void Crop_and_pad_keep_world_positions()
    {
        var v = TestFiles.Ramp(10, 8, 6, value: i => i + 1);
        var cropped = v.CropOrPad([4, 8, 10]);
        Assert.Equal([4, 8, 10], cropped.Shape);
        for (var z = 0; z < 10; z++) for (var y = 0; y < 8; y++) for (var x = 0; x < 4; x++)
        {
            var w = cropped.Affine.Transform(x, y, z);
            var (i, j, k) = v.Affine.Inverse().Transform(w.X, w.Y, w.Z);
            var inside = k >= -1e-9 && k <= 5 + 1e-9;
            Assert.Equal(inside ? v[(int)Math.Round(i), (int)Math.Round(j), (int)Math.Round(k)] : 0, cropped[x, y, z]);
        }
    }

    [Fact]
    public void Crop_around_mask_centres_the_bounding_box()
    {
        var v = TestFiles.Ramp(20, 20, 20, Affine.FromSpacing(1, 1, 1));
        var mask = new Volume(v.Shape, new float[v.VoxelCount], v.Affine);
        mask[12, 14, 3] = 1;
        mask[16, 18, 5] = 1;
        var (lo, hi) = CropPad.BoundingBox(mask);
        Assert.Equal([12, 14, 3], lo);
        Assert.Equal([16, 18, 5], hi);
        var c = CropPad.AroundMask(v, mask, [5, 5, 3]);
        Assert.Equal(v[12, 14, 3], c[0, 0, 0]);
        Assert.Equal(v[16, 18, 5], c[4, 4, 2]);
    }

    [Fact]
    public void Normalizations_hit_their_targets()
    {
        var v = TestFiles.Ramp(10, 10, 10, value: i => i);
        var mm = IntensityNormalization.MinMax(v);
        Assert.Equal((0f, 1f), mm.Range());

        var spiky = v.WithData(v.Data.Select((x, i) => i == 500 ? 1e6f : x).ToArray());
        var pc = IntensityNormalization.PercentileClip(spiky, 1, 99);
        Assert.Equal((0f, 1f), pc.Range());
        Assert.Equal(1f, pc.Data[500]);
        AssertClose.Equal(0.5f, pc.Data[499], abs: 0.01); // the spike no longer compresses the rest

        var mask = IntensityNormalization.ThresholdMask(v, 499.5f);
        var z = IntensityNormalization.ZScore(v, mask);
        var inside = z.Data.Where((_, i) => mask.Data[i] != 0).ToArray();
        AssertClose.Equal(0, inside.Average(), abs: 1e-5);
        AssertClose.Equal(1, Math.Sqrt(inside.Select(x => (double)x * x).Average()), abs: 1e-5);
        Assert.All(z.Data.Where((_, i) => mask.Data[i] == 0), x => Assert.Equal(0, x));
    }

    [Fact]
    public void Percentile_matches_numpy_linear_interpolation()
    {
        float[] Values() => [7, 1, 3, 9, 5];
        Assert.Equal(5f, Statistics.Percentile(Values(), 50));
        Assert.Equal(2f, Statistics.Percentile(Values(), 12.5)); // numpy.percentile([1,3,5,7,9], 12.5) == 2.0
        Assert.Equal(9f, Statistics.Percentile(Values(), 100));
        Assert.Equal(1f, Statistics.Percentile(Values(), 0));
    }
}
