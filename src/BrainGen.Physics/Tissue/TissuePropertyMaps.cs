using BrainGen.Physics.Signal;

namespace BrainGen.Physics.Tissue;

/// <summary>
/// Voxel-wise PD, T1, T2 and T2* maps (ms; PD relative), the representation the physics-informed LDM
/// generates (Lüpke et al. 2024, which uses PD, T1, T2; T2* is added for gradient-echo contrasts).
/// Built from tissue probability maps, each map is the probability-weighted mean of the tissues'
/// values in log space (the Phy-LDM maps are log-parameters), i.e. an *apparent* single-compartment
/// value per voxel. For images, prefer <see cref="ContrastSynthesis.FromTissues"/>, which sums tissue
/// signals (partial volume sums signals, not parameters); the maps serve as outputs and as input for
/// generated maps whose tissue composition is unknown.
/// </summary>
public sealed class TissuePropertyMaps
{
    public VoxelGrid Grid { get; }
    public float[] ProtonDensity { get; }
    public float[] T1 { get; }
    public float[] T2 { get; }
    public float[] T2Star { get; }

    public TissuePropertyMaps(VoxelGrid grid, float[] pd, float[] t1, float[] t2, float[] t2Star)
    {
        grid.CheckLength(pd, "PD map"); grid.CheckLength(t1, "T1 map"); grid.CheckLength(t2, "T2 map"); grid.CheckLength(t2Star, "T2* map");
        Grid = grid; ProtonDensity = pd; T1 = t1; T2 = t2; T2Star = t2Star;
    }

    /// <summary>BIDS qMRI suffixes of the four maps (PDmap, T1map, T2map, T2starmap).</summary>
    public static readonly string[] BidsSuffixes = ["PDmap", "T1map", "T2map", "T2starmap"];

    public float[] this[string suffix] => suffix switch
    {
        "PDmap" => ProtonDensity, "T1map" => T1, "T2map" => T2, "T2starmap" => T2Star,
        _ => throw new ArgumentException($"unknown map suffix {suffix}"),
    };

    /// <summary>The parameters of one voxel (relaxation times floored at 1e-3 ms so empty voxels stay finite).</summary>
    public TissueParameters At(int i) =>
        new(ProtonDensity[i], Math.Max(T1[i], 1e-3), Math.Max(T2[i], 1e-3), Math.Max(T2Star[i], 1e-3));

    /// <summary>
    /// Apparent maps from tissue fractions and tissue parameters, optionally modulated per voxel
    /// (as in <see cref="ContrastSynthesis.FromTissues"/>); voxels with no tissue get PD 0
    /// (background) and the CSF relaxation times.
    /// </summary>
    public static TissuePropertyMaps FromTissues(VoxelGrid grid, IReadOnlyList<(float[] Fraction, TissueParameters Parameters)> tissues,
                                                 TissueModulation? modulation, TissueParameters background)
    {
        var pd = new float[grid.Count]; var t1 = new float[grid.Count]; var t2 = new float[grid.Count]; var t2s = new float[grid.Count];
        var fractions = tissues.Select(t => t.Fraction).ToArray();
        var parameters = tissues.Select(t => t.Parameters).ToArray();
        Parallel.For(0, grid.Nz, z =>
        {
            for (int i = z * grid.Nx * grid.Ny; i < (z + 1) * grid.Nx * grid.Ny; i++)
            {
                double w = 0, spd = 0, l1 = 0, l2 = 0, l2s = 0;
                TissueModulation.Factors? factors = null;
                for (int k = 0; k < fractions.Length; k++)
                {
                    double f = fractions[k][i];
                    if (f <= 0) continue;
                    var p = parameters[k];
                    if (modulation is not null) p = (factors ??= modulation.At(i)).Apply(p);
                    w += f; spd += f * p.ProtonDensity;
                    l1 += f * Math.Log(p.T1); l2 += f * Math.Log(p.T2); l2s += f * Math.Log(p.T2Star);
                }
                if (w <= 1e-6)
                {
                    t1[i] = (float)background.T1; t2[i] = (float)background.T2; t2s[i] = (float)background.T2Star;
                    continue;
                }
                pd[i] = (float)spd; // PD is an amount: fractions add it up.
                t1[i] = (float)Math.Exp(l1 / w); t2[i] = (float)Math.Exp(l2 / w); t2s[i] = (float)Math.Exp(l2s / w);
            }
        });
        return new TissuePropertyMaps(grid, pd, t1, t2, t2s);
    }
}
