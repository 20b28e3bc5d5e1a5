using BrainGen.Torch;

namespace BrainGen.Models.Schedulers;

/// <summary>Named beta schedules, as MONAI's NoiseSchedules registry names them.</summary>
public enum BetaSchedule { LinearBeta, ScaledLinearBeta, SigmoidBeta, Cosine }

/// <summary>
/// β_t, α_t = 1 − β_t and ᾱ_t = Π α_s for a discrete schedule. Computed with libtorch in float32,
/// exactly as MONAI computes them, so sampling loops reproduce MONAI bit for bit.
/// </summary>
public sealed class NoiseSchedule
{
    private NoiseSchedule(float[] betas, float[] alphas, float[] alphasCumprod)
    {
        Betas = betas;
        Alphas = alphas;
        AlphasCumprod = alphasCumprod;
    }

    public float[] Betas { get; }
    public float[] Alphas { get; }
    public float[] AlphasCumprod { get; }
    public int Length => Betas.Length;

    public static NoiseSchedule Create(BetaSchedule schedule, int numTrainTimesteps, double betaStart = 1e-4, double betaEnd = 2e-2,
                                       double sigmoidRange = 6, double cosineS = 8e-3)
    {
        if (numTrainTimesteps < 1) throw new ArgumentOutOfRangeException(nameof(numTrainTimesteps), "need at least one training timestep");
        using var scope = Torch.Torch.NewDisposeScope();
        return schedule switch
        {
            BetaSchedule.LinearBeta => FromBetas(LinearBetas(numTrainTimesteps, betaStart, betaEnd)),
            BetaSchedule.ScaledLinearBeta => FromBetas(ScaledLinearBetas(numTrainTimesteps, betaStart, betaEnd)),
            BetaSchedule.SigmoidBeta => FromBetas(SigmoidBetas(numTrainTimesteps, betaStart, betaEnd, sigmoidRange)),
            _ => CosineSchedule(numTrainTimesteps, cosineS),
        };
    }

    /// <summary>β linear in t (Ho et al. 2020).</summary>
    public static Tensor LinearBetas(int n, double betaStart, double betaEnd) => Tensor.Linspace(betaStart, betaEnd, n);

    /// <summary>√β linear in t, then squared (latent diffusion, Rombach et al. 2022).</summary>
    public static Tensor ScaledLinearBetas(int n, double betaStart, double betaEnd) =>
        Tensor.Linspace(Math.Pow(betaStart, 0.5), Math.Pow(betaEnd, 0.5), n).Pow(2);

    /// <summary>β = sigmoid(linspace(−r, r)) scaled into [β_start, β_end].</summary>
    public static Tensor SigmoidBetas(int n, double betaStart, double betaEnd, double range) =>
        Tensor.Linspace(-range, range, n).Sigmoid() * (betaEnd - betaStart) + betaStart;

    /// <summary>ᾱ = cos²(((t/T) + s)/(1 + s) · π/2), normalized, α clipped to [1e-4, 0.9999] (Nichol and Dhariwal 2021).</summary>
    private static NoiseSchedule CosineSchedule(int n, double s)
    {
        var x = Tensor.Linspace(0, n, n + 1);
        var cumprod = ((x / n + s) / (1 + s) * Math.PI * 0.5).Cos().Pow(2);
        cumprod = cumprod / cumprod.Select(0, 0).ToDouble();
        var alphas = (cumprod.Slice(0, 1) / cumprod.Slice(0, 0, n)).Clamp(0.0001, 0.9999);
        var betas = 1.0 - alphas;
        return new NoiseSchedule(betas.ToArray<float>(), alphas.ToArray<float>(), cumprod.Slice(0, 0, n).ToArray<float>());
    }

    private static NoiseSchedule FromBetas(Tensor betas)
    {
        var alphas = 1.0 - betas;
        var cumprod = Ops.Cumprod(alphas, 0);
        return new NoiseSchedule(betas.ToArray<float>(), alphas.ToArray<float>(), cumprod.ToArray<float>());
    }
}
