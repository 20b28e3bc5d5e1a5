using BrainGen.Imaging;
using BrainGen.Physics.Deformation;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace BrainGen.Physics.Segmentation;

/// <summary>
/// Registers the <see cref="VentricleAtlas"/> to a subject's CSF fraction map with a 9-parameter
/// affine (translation, per-axis scale, rotation) that maximizes the normalized cross-correlation of
/// atlas and p_CSF over the atlas neighbourhood, starting from brain-mask moments
/// (<see cref="MomentAlignment"/>). Why: moments alone misplace the atlas by several mm, so a margin
/// wide enough to absorb that also admits the third ventricle and the midline cisterns (ventricle
/// errors of +40…+100% on phantoms); fitting the ventricles themselves also scales the atlas to
/// enlarged ventricles. Why correlation, not Σ (atlas − p_CSF)²: where slit-like ventricles never
/// reach p_CSF 0.5, that sum is smallest for an atlas shrunk to nothing (a 9 mL subject's fit shrank
/// it ~1000× and slid it 40 mm away), whereas correlation is undefined for an empty atlas and, like
/// a Dice overlap, peaks when the atlas's extent matches the CSF's. Only the image is used.
/// </summary>
public static class VentricleRegistration
{
    /// <summary>Nelder–Mead simplex steps: 2 mm, 10% scale, ~3° rotation.</summary>
    private static readonly double[] InitialSteps = [2, 2, 2, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05];
    private const double ConvergenceTolerance = 1e-6;
    private const int MaxIterations = 3000;

    /// <summary>The registered atlas on the subject grid.</summary>
    /// <param name="Fraction">The atlas's ventricle fraction carried to each subject voxel.</param>
    /// <param name="OtherCsf">The atlas's non-ventricular CSF carried to each subject voxel.</param>
    /// <param name="SubjectVoxelToTemplateWorld">Where each subject voxel lands in template (MNI) space.</param>
    public sealed record Result(float[] Fraction, float[] OtherCsf, Affine SubjectVoxelToTemplateWorld);

    public static Result Register(float[] csf, bool[] mask, VoxelGrid grid, Affine voxelToWorld, VentricleAtlas atlas, MomentAlignment start)
    {
        var (template, otherTemplate) = atlas.AtResolution((grid.SpacingX + grid.SpacingY + grid.SpacingZ) / 3);
        var roi = new List<int>();
        for (int i = 0; i < grid.Count; i++)
        {
            if (!mask[i]) continue;
            var (x, y, z) = grid.Coordinates(i);
            var (wx, wy, wz) = voxelToWorld.Transform(x, y, z);
            var (tx, ty, tz) = start.SubjectToTemplate(wx, wy, wz);
            if (atlas.Contains(tx, ty, tz)) roi.Add(i);
        }
        if (roi.Count == 0) throw new InvalidDataException("the ventricle atlas does not overlap the brain mask");

        double bestCost = double.PositiveInfinity;
        var bestPoint = Vector<double>.Build.Dense(InitialSteps.Length);
        double Cost(Vector<double> p)
        {
            var map = SubjectToAtlasVoxel(p, start, voxelToWorld, atlas);
            double sa = 0, saa = 0, sac = 0, sc = 0, scc = 0;
            foreach (int i in roi)
            {
                var (x, y, z) = grid.Coordinates(i);
                var (u, v, w) = map.Transform(x, y, z);
                double a = TrilinearSampler.Sample(template, atlas.Grid, u, v, w), c = csf[i];
                sa += a; saa += a * a; sac += a * c; sc += c; scc += c * c;
            }
            double n = roi.Count, atlasSpread = saa - sa * sa / n, csfSpread = scc - sc * sc / n;
            double cost = atlasSpread <= 1e-9 || csfSpread <= 1e-9 ? 1 : -(sac - sa * sc / n) / Math.Sqrt(atlasSpread * csfSpread);
            if (cost < bestCost) { bestCost = cost; bestPoint = p.Clone(); }
            return cost;
        }
        try
        {
            NelderMeadSimplex.Minimum(ObjectiveFunction.Value(Cost), bestPoint.Clone(), Vector<double>.Build.DenseOfArray(InitialSteps),
                                      ConvergenceTolerance, MaxIterations);
        }
        catch (MaximumIterationsException)
        {
            // A flat stretch of the cost can keep the simplex crawling; its best vertex is as good a fit.
        }
        var best = SubjectToAtlasVoxel(bestPoint, start, voxelToWorld, atlas);
        var registered = new float[grid.Count];
        var otherCsf = new float[grid.Count];
        Parallel.For(0, grid.Nz, z =>
        {
            for (int y = 0; y < grid.Ny; y++)
                for (int x = 0; x < grid.Nx; x++)
                {
                    var (u, v, w) = best.Transform(x, y, z);
                    registered[grid.Index(x, y, z)] = TrilinearSampler.Sample(template, atlas.Grid, u, v, w);
                    otherCsf[grid.Index(x, y, z)] = TrilinearSampler.Sample(otherTemplate, atlas.Grid, u, v, w);
                }
        });
        return new Result(registered, otherCsf, atlas.VoxelToWorld * best);
    }

    /// <summary>
    /// Subject voxel → atlas voxel for parameters p (translation mm, log scale relative to the moment
    /// scale, rotations in radians about the template centre): template world x_t maps to subject world
    /// c_s + t + R·S·(x_t − c_t).
    /// </summary>
    private static Affine SubjectToAtlasVoxel(Vector<double> p, MomentAlignment start, Affine voxelToWorld, VentricleAtlas atlas)
    {
        var m = Matrix<double>.Build;
        var scale = m.DenseOfDiagonalArray([start.Scale.X * Math.Exp(p[3]), start.Scale.Y * Math.Exp(p[4]), start.Scale.Z * Math.Exp(p[5])]);
        double a = p[6], b = p[7], c = p[8];
        var rx = m.DenseOfArray(new[,] { { 1, 0, 0 }, { 0, Math.Cos(a), -Math.Sin(a) }, { 0, Math.Sin(a), Math.Cos(a) } });
        var ry = m.DenseOfArray(new[,] { { Math.Cos(b), 0, Math.Sin(b) }, { 0, 1, 0 }, { -Math.Sin(b), 0, Math.Cos(b) } });
        var rz = m.DenseOfArray(new[,] { { Math.Cos(c), -Math.Sin(c), 0 }, { Math.Sin(c), Math.Cos(c), 0 }, { 0, 0, 1 } });
        var linear = rz * ry * rx * scale;
        var templateCentre = Vector<double>.Build.DenseOfArray([start.TemplateCentre.X, start.TemplateCentre.Y, start.TemplateCentre.Z]);
        var offset = Vector<double>.Build.DenseOfArray([start.SubjectCentre.X + p[0], start.SubjectCentre.Y + p[1], start.SubjectCentre.Z + p[2]])
                     - linear * templateCentre;
        var templateToSubject = Affine.FromLinear(linear.ToArray(), offset[0], offset[1], offset[2]);
        return atlas.WorldToVoxel * templateToSubject.Inverse() * voxelToWorld;
    }
}
