using FsCheck;
using FsCheck.Fluent;

namespace BrainGen.Imaging.Tests;

/// <summary>FsCheck properties: reorientation is lossless and keeps every voxel's world position; identity resampling is exact.</summary>
public class OrientationPropertyTests
{
    private static readonly string[] AllCodes = BuildCodes();

    private static string[] BuildCodes()
    {
        var letters = new[] { "RL", "AP", "SI" };
        var perms = new[] { new[] { 0, 1, 2 }, [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0] };
        return perms.SelectMany(p => Enumerable.Range(0, 8).Select(s =>
            string.Concat(Enumerable.Range(0, 3).Select(k => letters[p[k]][(s >> k) & 1])))).ToArray();
    }

    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(60);

    private static Gen<(int[] Shape, string From, string To, double[] Spacing)> Cases() =>
        from nx in Gen.Choose(1, 6)
        from ny in Gen.Choose(1, 6)
        from nz in Gen.Choose(1, 6)
        from source in Gen.Elements(AllCodes)
        from to in Gen.Elements(AllCodes)
        from sx in Gen.Choose(5, 30)
        from sy in Gen.Choose(5, 30)
        from sz in Gen.Choose(5, 30)
        select (new[] { nx, ny, nz }, source, to, new[] { sx / 10.0, sy / 10.0, sz / 10.0 });

    /// <summary>A volume whose voxel axes point along the given codes, with distinct voxel values.</summary>
    private static Volume Oriented(int[] shape, string codes, double[] spacing)
    {
        var ras = TestFiles.Ramp(shape[0], shape[1], shape[2], Affine.FromSpacing(spacing[0], spacing[1], spacing[2], -7, 3, 11));
        return ras.Reorient(codes);
    }

    [Fact]
    public void Reorienting_there_and_back_is_the_identity()
    {
        Check.One(Runs, Prop.ForAll(Cases().ToArbitrary(), c =>
        {
            var v = Oriented(c.Shape, c.From, c.Spacing);
            var back = v.Reorient(c.To).Reorient(c.From);
            return back.Shape.SequenceEqual(v.Shape) && back.Data.SequenceEqual(v.Data) && back.Affine.ApproximatelyEquals(v.Affine, 1e-9);
        }));
    }

    [Fact]
    public void Reorienting_gives_the_requested_codes_and_keeps_world_positions()
    {
        Check.One(Runs, Prop.ForAll(Cases().ToArbitrary(), c =>
        {
            var v = Oriented(c.Shape, c.From, c.Spacing);
            var r = v.Reorient(c.To);
            if (r.OrientationCodes != c.To) return false;
            var inverse = r.Affine.Inverse();
            for (var z = 0; z < v.Shape[2]; z++)
                for (var y = 0; y < v.Shape[1]; y++)
                    for (var x = 0; x < v.Shape[0]; x++)
                    {
                        var w = v.Affine.Transform(x, y, z);
                        var (i, j, k) = inverse.Transform(w.X, w.Y, w.Z);
                        if (r[(int)Math.Round(i), (int)Math.Round(j), (int)Math.Round(k)] != v[x, y, z]) return false;
                    }
            return true;
        }));
    }

    [Fact]
    public void Resampling_onto_the_same_grid_is_exact_for_both_interpolations()
    {
        var gen = from c in Cases()
                  from ox in Gen.Choose(-500, 500)
                  from nearest in Gen.Elements(true, false)
                  select (c, ox / 7.0, nearest);
        Check.One(Runs, Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (c, offset, nearest) = t;
            var v = Oriented(c.Shape, c.From, c.Spacing);
            var moved = new Volume(v.Shape, v.Data, Affine.FromSpacing(1, 1, 1, offset, -offset, offset / 3).Multiply(v.Affine));
            var r = moved.ResampleToGrid(moved.Shape, moved.Affine, nearest ? Interpolation.Nearest : Interpolation.Trilinear);
            return r.Data.SequenceEqual(moved.Data);
        }));
    }

    [Fact]
    public void Canonical_of_any_orientation_is_RAS_and_equals_the_RAS_original()
    {
        Check.One(Runs, Prop.ForAll(Cases().ToArbitrary(), c =>
        {
            var ras = Oriented(c.Shape, "RAS", c.Spacing);
            var canonical = ras.Reorient(c.From).ToCanonical();
            return canonical.OrientationCodes == "RAS" && canonical.Data.SequenceEqual(ras.Data) && canonical.Affine.ApproximatelyEquals(ras.Affine, 1e-9);
        }));
    }
}
