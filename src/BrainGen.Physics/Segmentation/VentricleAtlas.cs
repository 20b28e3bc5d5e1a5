using BrainGen.Imaging;

namespace BrainGen.Physics.Segmentation;

/// <summary>
/// The Colin27 lateral-ventricle fraction map (1 mm, the <see cref="VentricleRegion"/> rule applied to
/// Colin27 itself) used to measure ventricles on other images: it is registered to a subject's CSF map
/// (<see cref="VentricleRegistration"/>) and seeds, bounds and blocks the growth of the subject's
/// ventricles through its CSF (<see cref="VentricleRegion.GrowFromAtlas"/>). Only image data is used,
/// so it works on any skull-stripped T1w.
/// </summary>
public sealed class VentricleAtlas
{
    /// <summary>How far (mm) beyond Colin27's ventricles the registration looks at the subject's CSF.</summary>
    public const double MarginMm = 6;

    private readonly Dictionary<double, (float[] Fraction, float[] OtherCsf)> _smoothed = new();

    /// <param name="ventricleFraction">Lateral-ventricle CSF fraction per voxel.</param>
    /// <param name="csfFraction">All CSF per voxel; what is not ventricle (third ventricle, cisterns, and
    /// the ventricles' ends that the <see cref="VentricleRegion"/> rule cuts off) is where the region must not grow.</param>
    public VentricleAtlas(float[] ventricleFraction, float[] csfFraction, VoxelGrid grid, Affine voxelToWorld)
    {
        if (ventricleFraction.Length != grid.Count || csfFraction.Length != grid.Count) throw new ArgumentException("atlas maps do not match their grid");
        Fraction = ventricleFraction;
        OtherCsf = new float[grid.Count];
        for (int i = 0; i < OtherCsf.Length; i++) OtherCsf[i] = Math.Max(0f, csfFraction[i] - ventricleFraction[i]);
        Grid = grid;
        VolumeMl = ventricleFraction.Sum(v => (double)v) * grid.VoxelVolumeMl;
        VoxelToWorld = voxelToWorld;
        WorldToVoxel = voxelToWorld.Inverse();
        Neighbourhood = VoxelMorphology.Dilate(ventricleFraction.Select(v => v > 0).ToArray(), grid, (int)Math.Round(MarginMm / grid.SpacingX));
    }

    public float[] Fraction { get; }
    /// <summary>The template's lateral ventricle volume (Σ <see cref="Fraction"/>).</summary>
    public double VolumeMl { get; }
    /// <summary>CSF outside the lateral ventricles, per voxel.</summary>
    public float[] OtherCsf { get; }
    public VoxelGrid Grid { get; }
    public Affine VoxelToWorld { get; }
    public Affine WorldToVoxel { get; }
    /// <summary>The ventricles dilated by <see cref="MarginMm"/>: where the registration compares maps.</summary>
    public bool[] Neighbourhood { get; }

    /// <summary>Whether a template world point (mm) lies in <see cref="Neighbourhood"/>.</summary>
    public bool Contains(double x, double y, double z)
    {
        var (vx, vy, vz) = WorldToVoxel.Transform(x, y, z);
        int ix = (int)Math.Round(vx), iy = (int)Math.Round(vy), iz = (int)Math.Round(vz);
        return Grid.Contains(ix, iy, iz) && Neighbourhood[Grid.Index(ix, iy, iz)];
    }

    /// <summary>
    /// The fraction map and the other-CSF map blurred to what a <paramref name="voxelMm"/> acquisition
    /// sees (FWHM² = r² − 1 mm², as the phantom's coarse grids), so registering them to a coarse CSF map
    /// compares like with like.
    /// </summary>
    public (float[] Fraction, float[] OtherCsf) AtResolution(double voxelMm)
    {
        double key = Math.Round(voxelMm, 2);
        lock (_smoothed)
        {
            if (_smoothed.TryGetValue(key, out var maps)) return maps;
            double sigma = GaussianSmoothing.FwhmToSigma(Math.Sqrt(Math.Max(0, key * key - Grid.SpacingX * Grid.SpacingX)));
            maps = key <= Grid.SpacingX ? (Fraction, OtherCsf)
                : (GaussianSmoothing.Smooth(Fraction, Grid, sigma), GaussianSmoothing.Smooth(OtherCsf, Grid, sigma));
            _smoothed[key] = maps;
            return maps;
        }
    }
}
