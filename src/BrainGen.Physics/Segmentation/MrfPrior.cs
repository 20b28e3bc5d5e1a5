namespace BrainGen.Physics.Segmentation;

/// <summary>
/// The Potts Markov random field prior of FAST (Zhang, Brady and Smith 2001), in its mean-field form:
///   p_ik ∝ π_k · N(x_i; μ_k, σ_k²) · exp(β Σ_{j∈N6(i)} w_ij p_jk),
/// which equals exp(−β Σ w_ij (1 − p_jk)) up to a constant per voxel. Neighbour posteriors come from
/// the previous sweep (a synchronous, Jacobi update), so every voxel can be updated in parallel and
/// the result does not depend on thread scheduling.
/// </summary>
internal static class MrfPrior
{
    /// <summary>One mean-field E-step. β = 0 gives the plain Gaussian-mixture posterior.</summary>
    public static void Update(ReadOnlySpan<float> intensities, GaussianMixture1D mixture, MaskedNeighbourhood neighbourhood,
                              double beta, float[] previous, float[] next)
    {
        int k = mixture.Classes;
        var x = intensities.ToArray();
        // log π_k − ½ log(2π σ_k²) and −½/σ_k², hoisted out of the voxel loop.
        var logConstant = Enumerable.Range(0, k)
            .Select(c => Math.Log(Math.Max(mixture.Weights[c], 1e-12)) - 0.5 * Math.Log(2 * Math.PI * mixture.Variances[c])).ToArray();
        var halfInverseVariance = mixture.Variances.Select(v => -0.5 / v).ToArray();
        var means = mixture.Means;
        var nb = neighbourhood.Neighbours;
        var dirWeights = neighbourhood.DirectionWeights;
        Parallel.For(0, x.Length, () => new double[k], (i, _, energy) =>
        {
            for (int c = 0; c < k; c++)
            {
                double d = x[i] - means[c];
                energy[c] = logConstant[c] + halfInverseVariance[c] * d * d;
            }
            if (beta > 0)
            {
                for (int d = 0; d < MaskedNeighbourhood.NeighbourCount; d++)
                {
                    int j = nb[i * MaskedNeighbourhood.NeighbourCount + d];
                    if (j < 0) continue;
                    for (int c = 0; c < k; c++) energy[c] += beta * dirWeights[d] * previous[j * k + c];
                }
            }
            Softmax(energy, next.AsSpan(i * k, k));
            return energy;
        }, _ => { });
    }

    private static void Softmax(double[] energy, Span<float> output)
    {
        double max = energy.Max();
        double sum = 0;
        for (int c = 0; c < energy.Length; c++) sum += energy[c] = Math.Exp(energy[c] - max);
        for (int c = 0; c < energy.Length; c++) output[c] = (float)(energy[c] / sum);
    }
}
