using BrainGen.Physics.Deformation;
using BrainGen.Physics.Tissue;

namespace BrainGen.Physics.Phantom;

/// <summary>
/// One subject's anatomy at one visit: the template warped by (head-size scaling) ∘ exp(velocity),
/// where velocity = anatomical variability + g_v · ventricle enlargement + g_b · brain atrophy, with
/// the gains solved so the template-space brain and ventricle volumes hit their targets
/// (<see cref="VolumeChangeSolver"/>). Ground truth is measured on the warped fractions themselves.
/// </summary>
public sealed class SubjectAnatomy
{
    public required TemplateAnatomy Maps { get; init; }
    public required double BrainVolumeMl { get; init; }
    public required double VentricleVolumeMl { get; init; }
    public required double IntracranialVolumeMl { get; init; }
    public required double[] Gains { get; init; }

    /// <summary>The template's fields shared by every subject on one grid (computed once per cohort).</summary>
    public sealed class Fields
    {
        public required TemplateAnatomy Template { get; init; }
        public required DisplacementField Ventricle { get; init; }
        public required DisplacementField Atrophy { get; init; }
        public required float[] Brain { get; init; }
        public required (double X, double Y, double Z) Centre { get; init; }
        /// <summary>The same fields on a grid twice as coarse, where the gains are solved (8× fewer voxels).</summary>
        public Fields? Coarse { get; init; }

        public static Fields For(TemplateAnatomy template, TemplateAnatomy? coarse = null)
        {
            var g = template.Grid;
            var brain = template.Brain();
            // Head scaling is about the brain's centroid so the brain stays inside the field of view.
            double n = 0, cx = 0, cy = 0, cz = 0;
            for (int i = 0; i < brain.Length; i++)
            {
                if (brain[i] <= 0) continue;
                var (x, y, z) = g.Coordinates(i);
                n += brain[i]; cx += brain[i] * x; cy += brain[i] * y; cz += brain[i] * z;
            }
            return new Fields
            {
                Template = template,
                Ventricle = AtrophyFields.VentricleEnlargement(template.Ventricles, g),
                Atrophy = AtrophyFields.BrainAtrophy(brain, template.Intracranial(), g),
                Brain = brain,
                Centre = (cx / n, cy / n, cz / n),
                Coarse = coarse is null ? null : For(coarse),
            };
        }
    }

    /// <summary>A velocity field sampled onto a coarser template grid (voxel units rescaled).</summary>
    public static DisplacementField Restrict(DisplacementField fine, TemplateAnatomy fineTemplate, TemplateAnatomy coarseTemplate)
    {
        var cg = coarseTemplate.Grid;
        var map = fineTemplate.Affine.Inverse().Multiply(coarseTemplate.Affine);
        var result = new DisplacementField(cg);
        float ratio = (float)(fineTemplate.Grid.SpacingX / cg.SpacingX);
        Parallel.For(0, cg.Nz, z =>
        {
            for (int y = 0; y < cg.Ny; y++)
                for (int x = 0; x < cg.Nx; x++)
                {
                    var (fx, fy, fz) = map.Transform(x, y, z);
                    var at = TrilinearSampler.At(fine.Grid, fx, fy, fz);
                    int i = cg.Index(x, y, z);
                    result.X[i] = ratio * at.Sample(fine.X);
                    result.Y[i] = ratio * at.Sample(fine.Y);
                    result.Z[i] = ratio * at.Sample(fine.Z);
                }
        });
        return result;
    }

    /// <param name="variability">Random smooth velocity (voxels), already scaled; shared by all visits of a subject.</param>
    /// <param name="brainTargetMl">Target brain volume in subject space (mL).</param>
    /// <param name="ventricleTargetMl">Target ventricle volume in subject space (mL).</param>
    public static SubjectAnatomy Build(Fields fields, DisplacementField variability, double headScale,
                                       double brainTargetMl, double ventricleTargetMl)
    {
        var template = fields.Template;
        var g = template.Grid;
        double[] gains = fields.Coarse is { } coarse
            // Gains are in peak voxels of each grid: a coarse voxel is SpacingRatio fine voxels.
            ? SolveGains(coarse, Restrict(variability, template, coarse.Template), headScale, brainTargetMl, ventricleTargetMl)
                .Select(v => v * coarse.Template.Grid.SpacingX / g.SpacingX).ToArray()
            : SolveGains(fields, variability, headScale, brainTargetMl, ventricleTargetMl);
        DisplacementField Velocity(double[] gains) =>
            DisplacementField.LinearCombination(g, (1, variability), (gains[0], fields.Ventricle), (gains[1], fields.Atrophy));
        var displacement = VelocityIntegration.Exponentiate(Velocity(gains));
        var transform = new SpatialTransform(displacement, headScale, fields.Centre);
        var maps = transform.Warp(g, template.Csf, template.GreyMatter, template.WhiteMatter, template.Ventricles, template.NonBrain);
        var subject = new TemplateAnatomy
        {
            Grid = g, Affine = template.Affine,
            Csf = maps[0], GreyMatter = maps[1], WhiteMatter = maps[2], Ventricles = maps[3], NonBrain = maps[4],
        };
        return new SubjectAnatomy
        {
            Maps = subject,
            BrainVolumeMl = subject.BrainVolumeMl,
            VentricleVolumeMl = subject.VentricleVolumeMl,
            IntracranialVolumeMl = subject.IntracranialVolumeMl,
            Gains = gains,
        };
    }

    private static double[] SolveGains(Fields fields, DisplacementField variability, double headScale, double brainTargetMl, double ventricleTargetMl)
    {
        var template = fields.Template;
        var g = template.Grid;
        double s3 = Math.Pow(headScale, 3);
        // Targets in template space; the ventricles are limited to what a smooth warp can reach.
        double ventricleTarget = Math.Clamp(ventricleTargetMl / s3, 0.4 * template.VentricleVolumeMl, 4.0 * template.VentricleVolumeMl);
        double brainTarget = brainTargetMl / s3;
        DisplacementField Velocity(double[] gains) =>
            DisplacementField.LinearCombination(g, (1, variability), (gains[0], fields.Ventricle), (gains[1], fields.Atrophy));
        double[] Volumes(double[] gains)
        {
            var u = VelocityIntegration.Exponentiate(Velocity(gains));
            var warped = new SpatialTransform(u, 1.0, fields.Centre).Warp(g, fields.Brain, template.Ventricles);
            return [template.VolumeMl(warped[1]), template.VolumeMl(warped[0])];
        }
        // Gains in peak voxels; a ~1 voxel probe, and limits that keep the warp plausible at any resolution.
        double voxel = g.SpacingX;
        var solution = VolumeChangeSolver.Solve(
            gains => { var v = Volumes(gains); return [v[0], v[1]]; },
            [ventricleTarget, brainTarget], [2.0 / voxel, 2.0 / voxel], 0.005, [30.0 / voxel, 20.0 / voxel], maxEvaluations: 8);
        return solution.Gains;
    }

    /// <summary>Voxel labels for a BIDS dseg: 0 background, 1 CSF, 2 GM, 3 WM (largest fraction inside the mask).</summary>
    public float[] Labels()
    {
        var m = Maps;
        var mask = m.BrainMask();
        var labels = new float[m.Grid.Count];
        for (int i = 0; i < labels.Length; i++)
        {
            if (!mask[i]) continue;
            labels[i] = m.Csf[i] >= m.GreyMatter[i] && m.Csf[i] >= m.WhiteMatter[i] ? 1 : m.GreyMatter[i] >= m.WhiteMatter[i] ? 2 : 3;
        }
        return labels;
    }

    public static IEnumerable<TissueClass> ImagedTissues => [TissueClass.Csf, TissueClass.GreyMatter, TissueClass.WhiteMatter, TissueClass.NonBrain];
}
