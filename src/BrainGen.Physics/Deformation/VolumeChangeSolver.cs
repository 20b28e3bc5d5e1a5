namespace BrainGen.Physics.Deformation;

/// <summary>
/// Finds the gains of a few deformation components that make measured volumes hit their targets
/// (reference notes section 4.3, step 5: "scale the amplitude ... so that the measured volumes after
/// warping hit targets"). Volumes respond smoothly and nearly linearly to the gains, so a
/// finite-difference Jacobian followed by Broyden updates converges in a handful of evaluations.
/// </summary>
public static class VolumeChangeSolver
{
    public sealed record Result(double[] Gains, double[] Volumes, int Evaluations, bool Converged);

    /// <param name="volumes">Measured volumes for a gain vector (same length as targets).</param>
    /// <param name="targets">Target volumes.</param>
    /// <param name="probeSteps">Gain step per component for the initial finite differences.</param>
    /// <param name="relativeTolerance">Stop when every |V − T| ≤ tol·T.</param>
    /// <param name="gainLimits">Gains are clamped to ±limit so a hopeless target cannot fold the anatomy.</param>
    public static Result Solve(Func<double[], double[]> volumes, double[] targets, double[] probeSteps,
                               double relativeTolerance, double[] gainLimits, int maxEvaluations = 12)
    {
        int n = targets.Length;
        var gains = new double[n];
        var current = volumes(gains);
        int evaluations = 1;
        // J[i, j] = ∂V_i / ∂g_j by forward differences.
        var jacobian = new double[n, n];
        for (int j = 0; j < n; j++)
        {
            var probe = (double[])gains.Clone();
            probe[j] = probeSteps[j];
            var v = volumes(probe);
            evaluations++;
            for (int i = 0; i < n; i++) jacobian[i, j] = (v[i] - current[i]) / probeSteps[j];
        }
        while (evaluations < maxEvaluations)
        {
            if (Converged(current, targets, relativeTolerance)) return new Result(gains, current, evaluations, true);
            var residual = new double[n];
            for (int i = 0; i < n; i++) residual[i] = targets[i] - current[i];
            var step = SolveLinear(jacobian, residual);
            var next = new double[n];
            for (int j = 0; j < n; j++) next[j] = Math.Clamp(gains[j] + step[j], -gainLimits[j], gainLimits[j]);
            var nextVolumes = volumes(next);
            evaluations++;
            // Broyden's rank-one update: J += (ΔV − J Δg) Δgᵀ / |Δg|².
            var dg = new double[n];
            double norm2 = 0;
            for (int j = 0; j < n; j++) { dg[j] = next[j] - gains[j]; norm2 += dg[j] * dg[j]; }
            if (norm2 < 1e-18) { gains = next; current = nextVolumes; break; }
            for (int i = 0; i < n; i++)
            {
                double predicted = 0;
                for (int j = 0; j < n; j++) predicted += jacobian[i, j] * dg[j];
                double mismatch = nextVolumes[i] - current[i] - predicted;
                for (int j = 0; j < n; j++) jacobian[i, j] += mismatch * dg[j] / norm2;
            }
            gains = next;
            current = nextVolumes;
        }
        return new Result(gains, current, evaluations, Converged(current, targets, relativeTolerance));
    }

    private static bool Converged(double[] v, double[] t, double tol)
    {
        for (int i = 0; i < v.Length; i++) if (Math.Abs(v[i] - t[i]) > tol * Math.Abs(t[i])) return false;
        return true;
    }

    /// <summary>Gaussian elimination with partial pivoting (n is 1–3 here); a singular system takes no step.</summary>
    private static double[] SolveLinear(double[,] a, double[] b)
    {
        int n = b.Length;
        var m = (double[,])a.Clone();
        var x = (double[])b.Clone();
        for (int c = 0; c < n; c++)
        {
            int pivot = c;
            for (int r = c + 1; r < n; r++) if (Math.Abs(m[r, c]) > Math.Abs(m[pivot, c])) pivot = r;
            if (Math.Abs(m[pivot, c]) < 1e-12) return new double[n];
            if (pivot != c)
            {
                for (int k = 0; k < n; k++) (m[c, k], m[pivot, k]) = (m[pivot, k], m[c, k]);
                (x[c], x[pivot]) = (x[pivot], x[c]);
            }
            for (int r = c + 1; r < n; r++)
            {
                double f = m[r, c] / m[c, c];
                for (int k = c; k < n; k++) m[r, k] -= f * m[c, k];
                x[r] -= f * x[c];
            }
        }
        for (int r = n - 1; r >= 0; r--)
        {
            for (int k = r + 1; k < n; k++) x[r] -= m[r, k] * x[k];
            x[r] /= m[r, r];
        }
        return x;
    }
}
