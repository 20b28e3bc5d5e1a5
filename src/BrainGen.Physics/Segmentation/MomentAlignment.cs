namespace BrainGen.Physics.Segmentation;

/// <summary>
/// A coarse template-to-subject alignment from brain-mask moments: centroids matched, each world
/// axis scaled by the ratio of the masks' standard deviations along it. Both images must be in the
/// same orientation convention (RAS+ world coordinates, as NIfTI affines give). It is only used to
/// place ventricle seeds, which need to land inside the ventricles, not on their walls.
/// </summary>
public sealed record MomentAlignment((double X, double Y, double Z) TemplateCentre, (double X, double Y, double Z) SubjectCentre,
                                     (double X, double Y, double Z) Scale)
{
    /// <summary>Centroid and per-axis SD (world mm) of a mask, given each voxel's world position.</summary>
    public static ((double X, double Y, double Z) Centre, (double X, double Y, double Z) Spread) Moments(
        bool[] mask, VoxelGrid grid, Func<int, int, int, (double X, double Y, double Z)> voxelToWorld)
    {
        double n = 0, sx = 0, sy = 0, sz = 0, sxx = 0, syy = 0, szz = 0;
        for (int i = 0; i < mask.Length; i++)
        {
            if (!mask[i]) continue;
            var (x, y, z) = grid.Coordinates(i);
            var (wx, wy, wz) = voxelToWorld(x, y, z);
            n++; sx += wx; sy += wy; sz += wz; sxx += wx * wx; syy += wy * wy; szz += wz * wz;
        }
        if (n == 0) throw new InvalidDataException("brain mask is empty");
        var c = (sx / n, sy / n, sz / n);
        return (c, (Math.Sqrt(sxx / n - c.Item1 * c.Item1), Math.Sqrt(syy / n - c.Item2 * c.Item2), Math.Sqrt(szz / n - c.Item3 * c.Item3)));
    }

    public static MomentAlignment Between(((double X, double Y, double Z) Centre, (double X, double Y, double Z) Spread) template,
                                          ((double X, double Y, double Z) Centre, (double X, double Y, double Z) Spread) subject) =>
        new(template.Centre, subject.Centre,
            (subject.Spread.X / template.Spread.X, subject.Spread.Y / template.Spread.Y, subject.Spread.Z / template.Spread.Z));

    public (double X, double Y, double Z) TemplateToSubject(double x, double y, double z) =>
        (SubjectCentre.X + Scale.X * (x - TemplateCentre.X),
         SubjectCentre.Y + Scale.Y * (y - TemplateCentre.Y),
         SubjectCentre.Z + Scale.Z * (z - TemplateCentre.Z));

    public (double X, double Y, double Z) SubjectToTemplate(double x, double y, double z) =>
        (TemplateCentre.X + (x - SubjectCentre.X) / Scale.X,
         TemplateCentre.Y + (y - SubjectCentre.Y) / Scale.Y,
         TemplateCentre.Z + (z - SubjectCentre.Z) / Scale.Z);
}
