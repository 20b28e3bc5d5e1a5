namespace BrainGen.Physics.Segmentation;

/// <summary>
/// The lateral ventricles as a region of a CSF map. Rule (documented in docs/physics.md):
/// (1) candidates are voxels with p_CSF ≥ 0.5 lying at least <c>minDepthMm</c> inside the brain mask
/// (city-block depth), which cuts the ventricles off from sulcal and cisternal CSF, and outside a
/// 3 mm slab either side of the midline (the septum pellucidum's place), which cuts them off from the
/// interhemispheric fissure and the third ventricle; (2) the region is every candidate 6-connected to
/// a seed voxel; seeds are the voxels inside <see cref="MniSeedBox"/> (the bodies of both lateral
/// ventricles in Colin27/MNI space), carried to a subject by <see cref="MomentAlignment"/>;
/// (3) it is dilated by one voxel inside the mask so the partial-volume rim counts. It defines the
/// Colin27 ventricles (the <see cref="VentricleAtlas"/>); subjects are measured with the registered atlas.
/// Ventricle volume = Σ CSF fraction over the region · voxel volume (<see cref="BrainVolumes"/>).
/// </summary>
public static class VentricleRegion
{
    /// <summary>MNI box (mm) that holds the bodies of both lateral ventricles in Colin27 (reference notes section 4.4).</summary>
    /// <remarks>|x| ≥ 5 keeps seeds off the midline; the box lies inside both ventricle bodies of Colin27.</remarks>
    public static readonly (double AbsXMin, double AbsXMax, double YMin, double YMax, double ZMin, double ZMax) MniSeedBox =
        (5, 22, -30, 10, 10, 25);

    public const double DefaultMinDepthMm = 10;
    public const double MidlineHalfWidthMm = 3;

    /// <summary>Colin27 brain-mask (ch2bet) centroid and per-axis SD in MNI mm, for <see cref="MomentAlignment"/>.</summary>
    public static readonly ((double X, double Y, double Z) Centre, (double X, double Y, double Z) Spread) Colin27Moments =
        ((0.584, -21.412, 9.813), (32.491, 39.215, 30.837));

    /// <summary>
    /// Seeds and midline barrier on a grid whose voxel → template (MNI) world map is given, e.g. the
    /// identity world map on Colin27, or the inverse moment alignment on a subject.
    /// </summary>
    public static (bool[] Seeds, bool[] Barrier) SeedsAndBarrier(VoxelGrid grid, Func<int, int, int, (double X, double Y, double Z)> voxelToTemplateWorld)
    {
        var seeds = new bool[grid.Count];
        var barrier = new bool[grid.Count];
        var box = MniSeedBox;
        Parallel.For(0, grid.Nz, z =>
        {
            for (int y = 0; y < grid.Ny; y++)
                for (int x = 0; x < grid.Nx; x++)
                {
                    var (wx, wy, wz) = voxelToTemplateWorld(x, y, z);
                    int i = grid.Index(x, y, z);
                    double ax = Math.Abs(wx);
                    seeds[i] = ax >= box.AbsXMin && ax <= box.AbsXMax && wy >= box.YMin && wy <= box.YMax && wz >= box.ZMin && wz <= box.ZMax;
                    barrier[i] = ax < MidlineHalfWidthMm;
                }
        });
        return (seeds, barrier);
    }

    /// <summary>How far (mm) past the registered atlas's wall the region may grow on a subject.</summary>
    public const double AtlasGrowthMarginMm = 10;

    /// <summary>Template |x| (mm) within which growth stays near the registered atlas's wall.</summary>
    public const double MedialZoneHalfWidthMm = 8;

    /// <summary>
    /// How far (mm) past the registered atlas's wall the region may grow in the medial zone, for ventricles
    /// of the template's size; it grows with their linear size (cube root of the registered atlas's volume
    /// over the template's).
    /// </summary>
    public const double MedialGrowthMarginMm = 2.5;

    /// <summary>
    /// The ventricles of a subject from the registered atlas (affine + <see cref="AtlasDemons"/>): seeds
    /// are where the atlas is mostly lateral ventricle; the barrier is the atlas's other CSF (third
    /// ventricle, cisterns, and the ventricle ends this rule cut off on Colin27, so the subject's region
    /// ends where the atlas's does); growth stops <see cref="AtlasGrowthMarginMm"/> past the atlas's wall,
    /// or <see cref="MedialGrowthMarginMm"/> (scaled) past it within <see cref="MedialZoneHalfWidthMm"/> of
    /// the template's midline.
    /// Why grow at all: registration cannot follow the uneven enlargement of large ventricles (an affine
    /// fit under-measured 80 mL ventricles by half), while the CSF itself shows where their walls are.
    /// Why the medial zone: ventricles enlarge outwards (their medial wall, the septum, stays), while
    /// the third ventricle and the cisterns beside the midline widen with atrophy and touch the lateral
    /// ventricles' medial walls (without it the phantom errors doubled, up to +63%). Its margin grows with
    /// the ventricles: the registration leaves the medial walls of 100 mL balloons 2–4 mm short (one 2 mm
    /// voxel missed 10–12% of them along the septum), while two voxels put 7–9 mL ventricles 7–11% over.
    /// </summary>
    public static bool[] GrowFromAtlas(float[] csf, bool[] mask, VoxelGrid grid, VentricleRegistration.Result atlas, double templateVolumeMl)
    {
        var core = new bool[grid.Count];
        for (int i = 0; i < core.Length; i++) core[i] = atlas.Fraction[i] >= 0.5f && atlas.Fraction[i] > atlas.OtherCsf[i];
        double voxelMm = (grid.SpacingX + grid.SpacingY + grid.SpacingZ) / 3;
        var zone = VoxelMorphology.Dilate(core, grid, (int)Math.Round(AtlasGrowthMarginMm / voxelMm));
        double registeredMl = atlas.Fraction.Sum(v => (double)v) * grid.VoxelVolumeMl;
        double medialMarginMm = MedialGrowthMarginMm * Math.Cbrt(registeredMl / Math.Max(templateVolumeMl, 1e-9));
        var wall = VoxelMorphology.Dilate(core, grid, Math.Max(1, (int)Math.Round(medialMarginMm / voxelMm)));
        var otherCsf = new bool[grid.Count];
        var barrier = new bool[grid.Count];
        Parallel.For(0, grid.Nz, z =>
        {
            for (int y = 0; y < grid.Ny; y++)
                for (int x = 0; x < grid.Nx; x++)
                {
                    int i = grid.Index(x, y, z);
                    double templateX = Math.Abs(atlas.SubjectVoxelToTemplateWorld.Transform(x, y, z).X);
                    otherCsf[i] = atlas.OtherCsf[i] >= 0.5f;
                    barrier[i] = otherCsf[i] || !(templateX < MedialZoneHalfWidthMm ? wall[i] : zone[i]);
                }
        });
        // A second rim, stopped only by the atlas's other CSF: the ventricles' CSF spreads about a voxel
        // further at the acquisition's blur, and the unmixed fractions summed over it (CsfUnmixing) are
        // unbiased there (phantoms: 2.6% mean error with it, 4.9% without).
        return AddRim(Grow(csf, mask, grid, core, barrier), csf, mask, otherCsf, grid);
    }

    public static bool[] Grow(float[] csf, bool[] mask, VoxelGrid grid, bool[] seeds, bool[] barrier, double minDepthMm = DefaultMinDepthMm)
    {
        var depth = VoxelMorphology.DepthInsideMask(mask, grid);
        var candidate = new bool[grid.Count];
        for (int i = 0; i < candidate.Length; i++) candidate[i] = mask[i] && !barrier[i] && csf[i] >= 0.5f && depth[i] >= minDepthMm;

        var region = new bool[grid.Count];
        var queue = new Queue<int>();
        for (int i = 0; i < seeds.Length; i++)
            if (seeds[i] && candidate[i]) { region[i] = true; queue.Enqueue(i); }
        while (queue.Count > 0)
        {
            int i = queue.Dequeue();
            foreach (int j in VoxelMorphology.Neighbours(i, grid))
                if (candidate[j] && !region[j]) { region[j] = true; queue.Enqueue(j); }
        }
        return AddRim(region, csf, mask, barrier, grid);
    }

    /// <summary>
    /// The region plus one voxel around it: partial-volume CSF at the ventricle wall belongs to the
    /// ventricle. Only rim voxels that are mostly not CSF are added (a CSF-majority neighbour outside the
    /// grown region is on the far side of a barrier: sulcal or cisternal CSF).
    /// </summary>
    private static bool[] AddRim(bool[] region, float[] csf, bool[] mask, bool[] barrier, VoxelGrid grid)
    {
        var dilated = (bool[])region.Clone();
        for (int i = 0; i < region.Length; i++)
            if (region[i])
                foreach (int j in VoxelMorphology.Neighbours(i, grid))
                    if (mask[j] && !barrier[j] && csf[j] < 0.5f) dilated[j] = true;
        return dilated;
    }
}
