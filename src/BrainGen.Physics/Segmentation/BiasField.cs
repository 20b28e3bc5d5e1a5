using MathNet.Numerics.LinearAlgebra;

namespace BrainGen.Physics.Segmentation;

/// <summary>
/// Smooth multiplicative intensity non-uniformity I = B·x. Given posteriors and class means, each
/// voxel's best ratio is r_i = Σ_k p_ik I_i μ_k/σ_k² / w_i with weight w_i = Σ_k p_ik μ_k²/σ_k² (the
/// weighted least-squares fit of I_i ≈ B_i μ_k of Wells et al. IEEE TMI 1996, in linear intensity
/// because dark CSF has a long log tail under Rician noise). B is the weighted least-squares fit of r by
/// a low-order polynomial in x, y, z (as SPM and N3 use smooth bases): unlike Gaussian normalized
/// convolution it has no pull towards the interior near the brain's edge. The fit leaves out the
/// mask's outer <see cref="EdgeBandMm"/>: voxels there hold whatever the skull strip cut through (CSF,
/// meninges, a share of scalp), which no tissue class describes, and their ratios tilt the field (on
/// phantoms the corrected image came out 2% darker round the ventricles than over the whole mask, and
/// small ventricles read up to 8% high).
/// </summary>
internal static class BiasField
{
    private const int FitStride = 3;

    /// <summary>Depth (mm) of the mask's outer band that the fit leaves out.</summary>
    public const double EdgeBandMm = 4;

    /// <summary>
    /// Which masked voxels (compact order) the fit uses: those deeper than <see cref="EdgeBandMm"/>, or
    /// all of them when under a quarter are (thin masks such as a single slice have no interior).
    /// </summary>
    public static bool[] FitVoxels(bool[] mask, MaskedNeighbourhood neighbourhood)
    {
        var depth = VoxelMorphology.DepthInsideMask(mask, neighbourhood.Grid);
        var fit = new bool[neighbourhood.Count];
        int interior = 0;
        for (int c = 0; c < fit.Length; c++)
            if (fit[c] = depth[neighbourhood.Indices[c]] > EdgeBandMm + 1e-3) interior++;
        if (interior < fit.Length / 4) Array.Fill(fit, true);
        return fit;
    }

    public static float[] Estimate(ReadOnlySpan<float> rawIntensities, ReadOnlySpan<float> posteriors, GaussianMixture1D mixture,
                                   MaskedNeighbourhood neighbourhood, ReadOnlySpan<bool> fitVoxels, int order)
    {
        int k = mixture.Classes;
        var grid = neighbourhood.Grid;
        var exponents = Exponents(order);
        int terms = exponents.Count;
        var (lo, hi) = BoundingBox(neighbourhood);
        var normal = new double[terms, terms];
        var rhs = new double[terms];
        var basis = new double[terms];
        // The field is smooth, so every FitStride-th voxel is plenty for 20 coefficients.
        for (int i = 0; i < neighbourhood.Count; i += FitStride)
        {
            if (!fitVoxels[i]) continue;
            double num = 0, den = 0;
            for (int c = 0; c < k; c++)
            {
                double p = posteriors[i * k + c] / mixture.Variances[c];
                num += p * rawIntensities[i] * mixture.Means[c];
                den += p * mixture.Means[c] * mixture.Means[c];
            }
            if (den <= 0) continue;
            double ratio = num / den;
            Basis(grid.Coordinates(neighbourhood.Indices[i]), lo, hi, exponents, basis);
            for (int a = 0; a < terms; a++)
            {
                rhs[a] += den * basis[a] * ratio;
                for (int b = 0; b <= a; b++) normal[a, b] += den * basis[a] * basis[b];
            }
        }
        for (int a = 0; a < terms; a++)
            for (int b = a + 1; b < terms; b++) normal[a, b] = normal[b, a];
        // A tiny ridge keeps the system solvable on thin masks (e.g. a single slice).
        double trace = 0;
        for (int a = 0; a < terms; a++) trace += normal[a, a];
        for (int a = 0; a < terms; a++) normal[a, a] += 1e-9 * trace / terms;
        var coefficients = Matrix<double>.Build.DenseOfArray(normal).Solve(Vector<double>.Build.DenseOfArray(rhs));

        var field = new float[neighbourhood.Count];
        var coefficientArray = coefficients.ToArray();
        Parallel.For(0, field.Length, () => new double[terms], (i, _, local) =>
        {
            Basis(grid.Coordinates(neighbourhood.Indices[i]), lo, hi, exponents, local);
            double b = 0;
            for (int a = 0; a < terms; a++) b += coefficientArray[a] * local[a];
            field[i] = (float)b;
            return local;
        }, _ => { });
        double mean = 0;
        foreach (var b in field) mean += b;
        // Fix the overall scale (mean field 1) so the class means keep their meaning.
        mean /= field.Length;
        for (int i = 0; i < field.Length; i++) field[i] = (float)Math.Clamp(field[i] / mean, 0.2, 5.0);
        return field;
    }

    /// <summary>All monomials x^a y^b z^c with a + b + c ≤ order (order 3: 20 terms).</summary>
    private static List<(int A, int B, int C)> Exponents(int order)
    {
        var list = new List<(int, int, int)>();
        for (int total = 0; total <= order; total++)
            for (int a = total; a >= 0; a--)
                for (int b = total - a; b >= 0; b--) list.Add((a, b, total - a - b));
        return list;
    }

    private static void Basis((int X, int Y, int Z) p, (int X, int Y, int Z) lo, (int X, int Y, int Z) hi,
                              List<(int A, int B, int C)> exponents, double[] basis)
    {
        // Coordinates scaled to [−1, 1] over the mask's bounding box keep the normal equations well conditioned.
        double u = Scale(p.X, lo.X, hi.X), v = Scale(p.Y, lo.Y, hi.Y), w = Scale(p.Z, lo.Z, hi.Z);
        Span<double> pu = stackalloc double[8], pv = stackalloc double[8], pw = stackalloc double[8];
        pu[0] = pv[0] = pw[0] = 1;
        for (int e = 1; e < 8; e++) { pu[e] = pu[e - 1] * u; pv[e] = pv[e - 1] * v; pw[e] = pw[e - 1] * w; }
        for (int t = 0; t < exponents.Count; t++)
            basis[t] = pu[exponents[t].A] * pv[exponents[t].B] * pw[exponents[t].C];
    }

    private static double Scale(int value, int lo, int hi) => hi > lo ? 2.0 * (value - lo) / (hi - lo) - 1 : 0;

    private static ((int X, int Y, int Z) Lo, (int X, int Y, int Z) Hi) BoundingBox(MaskedNeighbourhood n)
    {
        int x0 = int.MaxValue, y0 = int.MaxValue, z0 = int.MaxValue, x1 = 0, y1 = 0, z1 = 0;
        foreach (var index in n.Indices)
        {
            var (x, y, z) = n.Grid.Coordinates(index);
            x0 = Math.Min(x0, x); y0 = Math.Min(y0, y); z0 = Math.Min(z0, z);
            x1 = Math.Max(x1, x); y1 = Math.Max(y1, y); z1 = Math.Max(z1, z);
        }
        return ((x0, y0, z0), (x1, y1, z1));
    }
}
