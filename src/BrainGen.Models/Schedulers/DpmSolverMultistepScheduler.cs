using BrainGen.Torch;

namespace BrainGen.Models.Schedulers;

/// <summary>
/// DPM-Solver++ (Lu, Zhou, Bao, Chen, Li and Zhu 2022, "DPM-Solver++: Fast Solver for Guided
/// Sampling of Diffusion Probabilistic Models"): the multistep solver of the diffusion ODE in its
/// data-prediction form, order 2 (DPM-Solver++(2M), the paper's Algorithm 2) or 1 (DPM-Solver++1,
/// which is DDIM), with the arithmetic of diffusers' DPMSolverMultistepScheduler for algorithm_type
/// "dpmsolver++", solver_type "midpoint", final_sigmas_type "zero" and thresholding off.
/// <para>
/// Notation as in the paper: α_t = √ᾱ_t, σ_t = √(1−ᾱ_t), λ_t = log(α_t/σ_t) the half log-SNR,
/// h_i = λ_{t_i} − λ_{t_{i−1}}, and x_θ the model's prediction of the clean sample. The exact
/// solution from s to t of the diffusion ODE written with the data-prediction model,
/// x_t = (σ_t/σ_s) x_s + σ_t ∫_{λ_s}^{λ_t} e^λ x_θ(x_λ, λ) dλ, is what each step approximates by
/// expanding x_θ in λ around the latest step (order 1) or the latest two (order 2). The last step
/// goes to σ = 0 (λ = ∞), where the first-order update returns x_θ itself, so it is always first
/// order: diffusers' lower_order_final, which otherwise lowers only the second-to-last step of
/// third-order runs, changes nothing for orders 1 and 2.
/// </para>
/// <para>
/// Multistep: step i also uses step i−1's x_θ, which the scheduler keeps from the previous call.
/// Steps therefore run in order; a run may start at any index (it then begins with a first-order
/// step, as diffusers does from a begin index), and step 0 always starts a new run.
/// </para>
/// </summary>
public sealed class DpmSolverMultistepScheduler : DiscreteScheduler
{
    private readonly int _stepsOffset;
    private float[] _sigmas = [];
    private Tensor? _previousOriginal;  // x_θ of step _previousIndex, kept for the next step
    private int _previousIndex = -1;

    public DpmSolverMultistepScheduler(NoiseSchedule schedule, PredictionType predictionType = PredictionType.Epsilon, int solverOrder = 2,
                                       TimestepSpacing spacing = TimestepSpacing.Linspace, int stepsOffset = 0)
        : base(schedule, predictionType)
    {
        if (solverOrder is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(solverOrder), $"DPM-Solver++ order must be 1 or 2, got {solverOrder}");
        if (stepsOffset < 0) throw new ArgumentOutOfRangeException(nameof(stepsOffset), $"steps offset must not be negative, got {stepsOffset}");
        SolverOrder = solverOrder;
        Spacing = spacing;
        _stepsOffset = stepsOffset;
    }

    public int SolverOrder { get; }
    public TimestepSpacing Spacing { get; }
    protected override int StepsOffset => _stepsOffset;

    /// <summary>The noise level σ_t/α_t = √((1−ᾱ_t)/ᾱ_t) at each inference timestep, then the final 0 (diffusers' sigmas).</summary>
    public IReadOnlyList<float> Sigmas => _sigmas;

    public override void SetTimesteps(int numInferenceSteps)
    {
        if (numInferenceSteps < 1 || numInferenceSteps > NumTrainTimesteps)
            throw new ArgumentOutOfRangeException(nameof(numInferenceSteps), $"steps must be in 1..{NumTrainTimesteps} (the training timesteps), got {numInferenceSteps}");
        var timesteps = InferenceTimesteps(Spacing, numInferenceSteps, NumTrainTimesteps, StepsOffset);
        for (int i = 0; i < timesteps.Length; i++)
        {
            if (timesteps[i] >= NumTrainTimesteps)
                throw new ArgumentOutOfRangeException(nameof(numInferenceSteps),
                    $"{Spacing.ToString().ToLowerInvariant()} spacing with steps offset {StepsOffset} puts timestep {timesteps[i]} past the last training timestep {NumTrainTimesteps - 1} at {numInferenceSteps} steps");
            if (i > 0 && timesteps[i] >= timesteps[i - 1])
                throw new ArgumentOutOfRangeException(nameof(numInferenceSteps),
                    $"{numInferenceSteps} {Spacing.ToString().ToLowerInvariant()}-spaced steps over {NumTrainTimesteps} training timesteps repeat timestep {timesteps[i]}: use fewer steps");
        }
        ResetHistory();
        NumInferenceSteps = numInferenceSteps;
        TimestepList = timesteps.Select(t => (double)t).ToArray();
        // σ at each timestep in float32, as diffusers computes ((1 − ᾱ)/ᾱ)^0.5 with torch, then σ = 0 at the end.
        _sigmas = timesteps.Select(t => MathF.Sqrt((1f - Schedule.AlphasCumprod[t]) / Schedule.AlphasCumprod[t])).Append(0f).ToArray();
    }

    /// <summary>
    /// diffusers' set_timesteps for each spacing (lambda_min_clipped = −∞, so over all T timesteps),
    /// in numpy's double arithmetic: linspace's i·((T−1)/n), arange's start + i·((start + step) − start),
    /// rounding half to even. Trailing keeps the n timesteps asked for: numpy's float arange can
    /// return one more (timestep −1, e.g. at n = 61), which diffusers would step to.
    /// </summary>
    public static long[] InferenceTimesteps(TimestepSpacing spacing, int steps, int trainTimesteps, int stepsOffset = 0)
    {
        switch (spacing)
        {
            case TimestepSpacing.Linspace:
            {
                double step = (double)(trainTimesteps - 1) / steps;
                // linspace(0, T−1, n+1) reversed without its last (0) element; numpy sets the endpoint exactly.
                return Enumerable.Range(1, steps).Reverse()
                    .Select(i => (long)Math.Round(i == steps ? trainTimesteps - 1 : i * step, MidpointRounding.ToEven)).ToArray();
            }
            case TimestepSpacing.Leading:
            {
                long ratio = trainTimesteps / (steps + 1);
                return Enumerable.Range(1, steps).Reverse().Select(i => i * ratio + stepsOffset).ToArray();
            }
            default:
            {
                double ratio = (double)trainTimesteps / steps;
                double delta = (trainTimesteps - ratio) - trainTimesteps;
                return Enumerable.Range(0, steps).Select(i => (long)Math.Round(trainTimesteps + i * delta, MidpointRounding.ToEven) - 1).ToArray();
            }
        }
    }

    public override SchedulerStep Step(Tensor modelOutput, int stepIndex, Tensor sample, Generator? generator = null)
    {
        CheckStep(stepIndex);
        if (stepIndex == 0) ResetHistory();
        else if (_previousOriginal is not null && _previousIndex != stepIndex - 1)
            throw new InvalidOperationException($"DPM-Solver++ steps run in order: step {stepIndex} follows step {_previousIndex}");

        using var scope = Torch.Torch.NewDisposeScope();
        var original = DataPrediction(modelOutput, sample, _sigmas[stepIndex]);
        bool last = stepIndex == TimestepList.Length - 1;
        var previous = SolverOrder == 1 || _previousOriginal is null || last
            ? FirstOrderUpdate(original, sample, stepIndex)
            : SecondOrderUpdate(original, _previousOriginal, sample, stepIndex);

        ResetHistory();
        if (!last)
        {
            _previousOriginal = original.Alias().DetachFromScope();
            _previousIndex = stepIndex;
        }
        return new SchedulerStep(previous.MoveToOuterScope(), original.MoveToOuterScope());
    }

    /// <summary>α_t = 1/√(σ² + 1) and σ_t = σ·α_t from the noise level σ (diffusers' _sigma_to_alpha_sigma_t).</summary>
    private static (float Alpha, float Sigma) AlphaSigma(float sigma)
    {
        float alpha = 1f / MathF.Sqrt(sigma * sigma + 1f);
        return (alpha, sigma * alpha);
    }

    // λ_t = log α_t − log σ_t: +∞ at the final σ = 0.
    private static float Lambda(float alpha, float sigma) => MathF.Log(alpha) - MathF.Log(sigma);

    /// <summary>
    /// x_θ(x_t, t), the data prediction DPM-Solver++ integrates, from each prediction type:
    /// (x_t − σ_t ε)/α_t, x₀ itself, or α_t x_t − σ_t v (Salimans and Ho 2022).
    /// </summary>
    private Tensor DataPrediction(Tensor modelOutput, Tensor sample, float sigma)
    {
        var (alpha, sigmaT) = AlphaSigma(sigma);
        return PredictionType switch
        {
            PredictionType.Epsilon => (sample - sigmaT * modelOutput) / alpha,
            PredictionType.Sample => modelOutput.Alias(),
            _ => alpha * sample - sigmaT * modelOutput,
        };
    }

    /// <summary>
    /// DPM-Solver++1, x_θ held constant over the step in the exact solution:
    /// x_t = (σ_t/σ_s) x_s − α_t (e^{−h} − 1) x_θ(x_s, s), which is DDIM (η = 0).
    /// </summary>
    private Tensor FirstOrderUpdate(Tensor original, Tensor sample, int i)
    {
        var (alphaT, sigmaT) = AlphaSigma(_sigmas[i + 1]);
        var (alphaS, sigmaS) = AlphaSigma(_sigmas[i]);
        float h = Lambda(alphaT, sigmaT) - Lambda(alphaS, sigmaS);
        return (sigmaT / sigmaS) * sample - (alphaT * (MathF.Exp(-h) - 1f)) * original;
    }

    /// <summary>
    /// DPM-Solver++(2M), the paper's Algorithm 2: with r_i = h_{i−1}/h_i and
    /// D_i = (1 + 1/(2r_i)) x_θ(t_{i−1}) − (1/(2r_i)) x_θ(t_{i−2}),
    /// x_{t_i} = (σ_{t_i}/σ_{t_{i−1}}) x_{t_{i−1}} − α_{t_i} (e^{−h_i} − 1) D_i, written
    /// as diffusers writes it: D0 = x_θ_i, D1 = (x_θ_i − x_θ_{i−1})/r, coefficients on D0 and D1/2.
    /// </summary>
    private Tensor SecondOrderUpdate(Tensor original, Tensor previousOriginal, Tensor sample, int i)
    {
        var (alphaT, sigmaT) = AlphaSigma(_sigmas[i + 1]);
        var (alphaS0, sigmaS0) = AlphaSigma(_sigmas[i]);
        var (alphaS1, sigmaS1) = AlphaSigma(_sigmas[i - 1]);
        float lambdaT = Lambda(alphaT, sigmaT), lambdaS0 = Lambda(alphaS0, sigmaS0), lambdaS1 = Lambda(alphaS1, sigmaS1);
        float h = lambdaT - lambdaS0, h0 = lambdaS0 - lambdaS1;
        float r0 = h0 / h;
        var d1 = (1f / r0) * (original - previousOriginal);
        float c = alphaT * (MathF.Exp(-h) - 1f);
        return (sigmaT / sigmaS0) * sample - c * original - (0.5f * c) * d1;
    }

    private void ResetHistory()
    {
        _previousOriginal?.Dispose();
        _previousOriginal = null;
        _previousIndex = -1;
    }
}
