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

    /// <summary>Far beyond any published schedule (1000 is usual); it bounds the float32 tables a model file can ask for.</summary>
    public const int MaxTrainTimesteps = 100_000;

    public static NoiseSchedule Create(BetaSchedule schedule, int numTrainTimesteps, double betaStart = 1e-4, double betaEnd = 2e-2,
                                       double sigmoidRange = 6, double cosineS = 8e-3)
    {
        if (numTrainTimesteps is < 1 or > MaxTrainTimesteps)
            throw new ArgumentException($"num_train_timesteps must be in 1..{MaxTrainTimesteps} (got {numTrainTimesteps})");
        if (schedule != BetaSchedule.Cosine && !(betaStart > 0 && betaStart < 1 && betaEnd > 0 && betaEnd < 1))
            throw new ArgumentException($"beta_start and beta_end must lie in (0, 1) (got {betaStart:R} and {betaEnd:R})");
        if (schedule == BetaSchedule.SigmoidBeta && !(sigmoidRange > 0 && double.IsFinite(sigmoidRange)))
            throw new ArgumentException($"the sigmoid range must be positive and finite (got {sigmoidRange:R})");
        if (schedule == BetaSchedule.Cosine && !(cosineS > 0 && cosineS < 1))
            throw new ArgumentException($"the cosine offset s must lie in (0, 1) (got {cosineS:R})");
        using var scope = Torch.Torch.NewDisposeScope();
        return schedule switch
        {
            BetaSchedule.LinearBeta => FromBetas(LinearBetas(numTrainTimesteps, betaStart, betaEnd), "linear_beta"),
            BetaSchedule.ScaledLinearBeta => FromBetas(ScaledLinearBetas(numTrainTimesteps, betaStart, betaEnd), "scaled_linear_beta"),
            BetaSchedule.SigmoidBeta => FromBetas(SigmoidBetas(numTrainTimesteps, betaStart, betaEnd, sigmoidRange), "sigmoid_beta"),
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

    /// <summary>
    /// The cosine schedule (Nichol and Dhariwal 2021): f(t) = cos²(((t/T) + s)/(1 + s) · π/2), β_t = 1 − f(t+1)/f(t)
    /// clipped to [0, 0.999], then α = 1 − β and ᾱ the cumulative product of α, as diffusers'
    /// squaredcos_cap_v2 (betas_for_alpha_bar) and MONAI's _cosine_beta since MONAI#8427. ᾱ is not
    /// f(t)/f(0) itself: that makes ᾱ_0 exactly 1, so DDIM/DDPM's (1−ᾱ_prev)/(1−ᾱ_t) at t = 0 is 0/0
    /// and every sample NaN (MONAI Generative's, and MONAI's before #8427, flaw).
    /// </summary>
    private static NoiseSchedule CosineSchedule(int n, double s)
    {
        var x = Tensor.Linspace(0, n, n + 1);
        var f = ((x / n + s) / (1 + s) * Math.PI * 0.5).Cos().Pow(2);
        f = f / f.Select(0, 0).ToDouble();
        var betas = (1.0 - f.Slice(0, 1) / f.Slice(0, 0, n)).Clamp(0.0, 0.999);
        return FromBetas(betas, "cosine");
    }

    private static NoiseSchedule FromBetas(Tensor betas, string name)
    {
        var alphas = 1.0 - betas;
        var cumprod = Ops.Cumprod(alphas, 0);
        return Checked(new NoiseSchedule(betas.ToArray<float>(), alphas.ToArray<float>(), cumprod.ToArray<float>()), name);
    }

    // Samplers divide by √ᾱ_t and by 1 − ᾱ_t: both must stay away from 0, so every β must lie in (0, 1)
    // and every ᾱ in (0, 1) once rounded to float32 (a β of 0 at t = 0 makes ᾱ_0 = 1 and the DDIM variance 0/0).
    private static NoiseSchedule Checked(NoiseSchedule schedule, string name)
    {
        for (int t = 0; t < schedule.Length; t++)
        {
            if (!(schedule.Betas[t] > 0 && schedule.Betas[t] < 1))
                throw new ArgumentException($"the {name} schedule gives beta[{t}] = {schedule.Betas[t]:R}; every beta must lie in (0, 1) (check beta_start, beta_end and num_train_timesteps)");
            if (!(schedule.AlphasCumprod[t] > 0 && schedule.AlphasCumprod[t] < 1))
                throw new ArgumentException($"the {name} schedule gives alphas_cumprod[{t}] = {schedule.AlphasCumprod[t]:R}; it must lie in (0, 1) for sampling to stay finite");
        }
        return schedule;
    }
}
