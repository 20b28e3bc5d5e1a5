using BrainGen.Imaging;
using BrainGen.Physics.Segmentation;
using BrainGen.Physics.Tissue;

namespace BrainGen.Physics.Phantom;

/// <summary>
/// The phantom's anatomy, derived once from Colin27 (Debian `mricron-data`): `ch2bet.nii.gz` is
/// segmented at 1 mm with <see cref="TissueSegmenter"/> into GM/WM/CSF fractions; the ventricles are
/// the <see cref="VentricleRegion"/> grown from the MNI seed box; the head outside the brain comes
/// from `ch2.nii.gz`, scaled from ch2's own CSF level (0: extra-axial CSF, dura, skull) to its 95th
/// percentile (1: scalp fat). The 1 mm result is cached on disk once per build of this library
/// (segmenting takes 10–30 s); coarser grids are Gaussian-prefiltered (FWHM² = r² − 1 mm²) and
/// resampled, which keeps tissue volumes.
/// </summary>
public static class Colin27Template
{
    public const string DefaultDirectory = "/usr/share/mricron/templates";
    /// <summary>
    /// The cache folder's name, one per build of BrainGen.Physics (deterministic builds give the same
    /// module id for the same source). A hand-kept version number was once left unbumped after the
    /// segmenter changed, and every run on that machine used stale tissue maps.
    /// </summary>
    private static readonly string CacheFolder = $"colin27-tissues-{typeof(Colin27Template).Assembly.ManifestModule.ModuleVersionId:N}"[..28];
    private static readonly Dictionary<string, TemplateAnatomy> Loaded = new();
    private static readonly object Gate = new();

    /// <summary>The cache folder: $BRAINGEN_CACHE, else ~/.cache/braingen.</summary>
    public static string CacheRoot =>
        Environment.GetEnvironmentVariable("BRAINGEN_CACHE") is { Length: > 0 } env
            ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "braingen");

    /// <summary>The Colin27 ventricle region (1 mm) as an atlas for <see cref="BrainVolumes.Measure(TissueSegmentation, Affine, VentricleAtlas?)"/>.</summary>
    public static VentricleAtlas VentricleAtlas(string? templateDirectory = null)
    {
        var full = Load(1, templateDirectory);
        lock (Gate)
        {
            string key = Path.GetFullPath(templateDirectory ?? DefaultDirectory);
            if (Atlases.TryGetValue(key, out var atlas)) return atlas;
            atlas = new VentricleAtlas(full.Ventricles, full.Csf, full.Grid, full.Affine);
            Atlases[key] = atlas;
            return atlas;
        }
    }

    private static readonly Dictionary<string, VentricleAtlas> Atlases = new();

    public static TemplateAnatomy Load(double resolutionMm, string? templateDirectory = null) => Load([resolutionMm], templateDirectory)[0];

    /// <summary>The anatomy on several grids; the 1 mm anatomy is read and prepared once for all of them.</summary>
    public static TemplateAnatomy[] Load(IReadOnlyList<double> resolutionsMm, string? templateDirectory = null)
    {
        foreach (var mm in resolutionsMm)
            if (!(mm is >= 1 and <= 8)) throw new ArgumentException($"--resolution must be between 1 and 8 mm, got {mm}");
        string directory = templateDirectory ?? DefaultDirectory;
        string Key(double mm) => $"{Path.GetFullPath(directory)}|{mm:0.###}";
        lock (Gate)
        {
            TemplateAnatomy? full = null;
            return resolutionsMm.Select(mm =>
            {
                if (Loaded.TryGetValue(Key(mm), out var cached)) return cached;
                full ??= Loaded.GetValueOrDefault(Key(1)) ?? LoadFullResolution(directory);
                var anatomy = mm == 1 ? full : Downsample(full, mm);
                Loaded[Key(mm)] = anatomy;
                return anatomy;
            }).ToArray();
        }
    }

    private static TemplateAnatomy LoadFullResolution(string directory)
    {
        string betPath = Path.Combine(directory, "ch2bet.nii.gz"), headPath = Path.Combine(directory, "ch2.nii.gz");
        foreach (var p in new[] { betPath, headPath })
            if (!File.Exists(p)) throw new FileNotFoundException($"{p}: Colin27 template not found (install Debian package mricron-data)", p);
        var bet = Nifti.Read(betPath).ToCanonical();
        var head = Nifti.Read(headPath).ToCanonical();
        if (!head.Shape.SequenceEqual(bet.Shape)) throw new InvalidDataException($"{headPath}: grid differs from {betPath}");
        var grid = GridOf(bet);

        string cache = Path.Combine(CacheRoot, CacheFolder);
        string[] names = ["csf", "gm", "wm", "ventricles"];
        float[][] maps;
        if (names.All(n => File.Exists(Path.Combine(cache, $"{n}.nii.gz"))))
        {
            maps = names.Select(n => Nifti.Read(Path.Combine(cache, $"{n}.nii.gz")).Data).ToArray();
        }
        else
        {
            maps = Derive(bet, grid);
            for (int m = 0; m < names.Length; m++)
                Nifti.Write(Path.Combine(cache, $"{names[m]}.nii.gz"), bet.WithData(maps[m]));
        }

        // Outside the intracranial volume the head keeps ch2's T1w intensity as a fat-like PD weight.
        var outside = new List<float>();
        var betMask = bet.Data.Select(v => v > 0).ToArray();
        for (int i = 0; i < betMask.Length; i++) if (!betMask[i] && head.Data[i] > 0) outside.Add(head.Data[i]);
        float reference = outside.Count > 0 ? Statistics.Percentile(outside.ToArray(), 95) : 1f;
        // The dark band round ch2bet (extra-axial CSF, dura, inner table: ch2 at its own CSF level, a fifth of
        // the scalp's intensity, for 3–8 mm) carries no fat. Read as a fifth of fat it was brighter than GM on
        // T1w, and the voxels the skull strip cuts through read as brain (docs/physics.md §3, session 11).
        double csfSum = 0;
        int csfCount = 0;
        for (int i = 0; i < grid.Count; i++) if (maps[0][i] > 0.9f) { csfSum += head.Data[i]; csfCount++; }
        float dark = csfCount > 0 ? (float)(csfSum / csfCount / reference) : 0f;
        var nonBrain = new float[grid.Count];
        for (int i = 0; i < nonBrain.Length; i++)
        {
            float icv = maps[0][i] + maps[1][i] + maps[2][i];
            nonBrain[i] = (1 - Math.Clamp(icv, 0, 1)) * Math.Clamp((head.Data[i] / reference - dark) / (1 - dark), 0f, 1.2f);
        }
        return new TemplateAnatomy
        {
            Grid = grid, Affine = bet.Affine,
            Csf = maps[0], GreyMatter = maps[1], WhiteMatter = maps[2], Ventricles = maps[3], NonBrain = nonBrain,
        };
    }

    /// <summary>Segments ch2bet and grows the ventricles from the MNI seed box.</summary>
    private static float[][] Derive(Volume bet, VoxelGrid grid)
    {
        var mask = TissueSegmenter.DefaultMask(bet.Data);
        var seg = TissueSegmenter.Segment(bet.Data, grid, mask);
        var (seeds, barrier) = VentricleRegion.SeedsAndBarrier(grid, (x, y, z) => bet.Affine.Transform(x, y, z));
        var csf = seg[TissueClass.Csf];
        var region = VentricleRegion.Grow(csf, mask, grid, seeds, barrier);
        var ventricles = new float[grid.Count];
        for (int i = 0; i < ventricles.Length; i++) ventricles[i] = region[i] ? csf[i] : 0f;
        return [csf, seg[TissueClass.GreyMatter], seg[TissueClass.WhiteMatter], ventricles];
    }

    private static TemplateAnatomy Downsample(TemplateAnatomy full, double mm)
    {
        double sigma = GaussianSmoothing.FwhmToSigma(Math.Sqrt(mm * mm - 1));
        float[] Resample(float[] map, out int[] shape, out Affine affine)
        {
            var smooth = GaussianSmoothing.Smooth(map, full.Grid, sigma);
            var v = Resampler.ToSpacing(full.ToVolume(smooth), [mm, mm, mm]);
            shape = v.Shape; affine = v.Affine;
            return v.Data;
        }
        var csf = Resample(full.Csf, out var shape, out var affineOut);
        var anatomy = new TemplateAnatomy
        {
            Grid = new VoxelGrid(shape[0], shape[1], shape[2], mm, mm, mm),
            Affine = affineOut,
            Csf = csf,
            GreyMatter = Resample(full.GreyMatter, out _, out _),
            WhiteMatter = Resample(full.WhiteMatter, out _, out _),
            Ventricles = Resample(full.Ventricles, out _, out _),
            NonBrain = Resample(full.NonBrain, out _, out _),
        };
        return anatomy;
    }

    public static VoxelGrid GridOf(Volume v) => new(v.Shape[0], v.Shape[1], v.Shape[2], v.Spacing[0], v.Spacing[1], v.Spacing[2]);
}
