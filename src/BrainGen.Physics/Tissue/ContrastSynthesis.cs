using BrainGen.Physics.Signal;

namespace BrainGen.Physics.Tissue;

/// <summary>
/// Any MR contrast from tissue properties through the closed-form signal models (the second step of
/// the physics-informed LDM, Lüpke et al. 2024): either voxel-wise from property maps, or as the
/// fraction-weighted sum of each tissue's signal (BrainWeb's fuzzy-membership simulation; reference
/// notes section 2.5: "sum the signals, not the parameters").
/// </summary>
public static class ContrastSynthesis
{
    /// <summary>S(x) = signal(PD(x), T1(x), T2(x), T2*(x)).</summary>
    public static float[] FromMaps(TissuePropertyMaps maps, MrProtocol protocol)
    {
        protocol.Validate();
        var image = new float[maps.Grid.Count];
        Parallel.For(0, maps.Grid.Nz, z =>
        {
            int plane = maps.Grid.Nx * maps.Grid.Ny;
            for (int i = z * plane; i < (z + 1) * plane; i++)
                image[i] = maps.ProtonDensity[i] > 0 ? (float)protocol.Signal(maps.At(i)) : 0f;
        });
        return image;
    }

    /// <summary>
    /// S(x) = Σ_k f_k(x) · signal(params_k(x)). <paramref name="modulation"/> optionally scales each
    /// tissue's parameters per voxel (smooth within-tissue variation); null means uniform tissues.
    /// </summary>
    public static float[] FromTissues(VoxelGrid grid, IReadOnlyList<(float[] Fraction, TissueParameters Parameters)> tissues,
                                      MrProtocol protocol, TissueModulation? modulation = null)
    {
        protocol.Validate();
        var image = new float[grid.Count];
        var fractions = tissues.Select(t => t.Fraction).ToArray();
        var parameters = tissues.Select(t => t.Parameters).ToArray();
        Parallel.For(0, grid.Nz, z =>
        {
            int plane = grid.Nx * grid.Ny;
            for (int i = z * plane; i < (z + 1) * plane; i++)
            {
                double s = 0;
                // The voxel's modulation is shared by its tissues: its exponentials are taken once.
                TissueModulation.Factors? factors = null;
                for (int k = 0; k < fractions.Length; k++)
                {
                    float f = fractions[k][i];
                    if (f <= 0) continue;
                    if (modulation is null) { s += f * protocol.Signal(parameters[k]); continue; }
                    factors ??= modulation.At(i);
                    s += f * protocol.Signal(factors.Value.Apply(parameters[k]));
                }
                image[i] = (float)s;
            }
        });
        return image;
    }
}

/// <summary>
/// Smooth multiplicative within-tissue variation of PD, T1, T2 and T2* (log-normal fields; reference
/// notes section 3.4 suggests 3–10% voxel-level smooth fields). Each array holds log factors.
/// </summary>
public sealed record TissueModulation(float[] LogPd, float[] LogT1, float[] LogT2, float[] LogT2Star)
{
    public TissueParameters Apply(in TissueParameters p, int i) => At(i).Apply(p);

    /// <summary>Voxel i's multiplicative factors (the exponentials of its log factors).</summary>
    public Factors At(int i) => new(Math.Exp(LogPd[i]), Math.Exp(LogT1[i]), Math.Exp(LogT2[i]), Math.Exp(LogT2Star[i]));

    public readonly record struct Factors(double Pd, double T1, double T2, double T2Star)
    {
        public TissueParameters Apply(in TissueParameters p) => p.Scale(Pd, T1, T2, T2Star);
    }
}
