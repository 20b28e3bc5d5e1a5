namespace BrainGen.Torch.Optim;

/// <summary>
/// Adam (Kingma and Ba 2015), and with <c>decoupledWeightDecay</c> AdamW (Loshchilov and Hutter
/// 2019), computed exactly as torch.optim.Adam/AdamW's single-tensor path.
/// </summary>
public class Adam : Optimizer
{
    private readonly bool _decoupled;

    public Adam(IEnumerable<Tensor> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
                double eps = 1e-8, double weightDecay = 0) : this(parameters, learningRate, beta1, beta2, eps, weightDecay, false) { }

    protected Adam(IEnumerable<Tensor> parameters, double learningRate, double beta1, double beta2, double eps, double weightDecay,
                   bool decoupledWeightDecay) : base(parameters, learningRate)
    {
        (Beta1, Beta2, Eps, WeightDecay, _decoupled) = (beta1, beta2, eps, weightDecay, decoupledWeightDecay);
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public double WeightDecay { get; }

    protected override void Update(Tensor parameter, Tensor grad, Dictionary<string, Tensor> state)
    {
        if (!state.TryGetValue("exp_avg", out var expAvg))
        {
            expAvg = Keep(state, "exp_avg", parameter.ZerosLike());
            Keep(state, "exp_avg_sq", parameter.ZerosLike());
            Keep(state, "step", Tensor.Scalar(0.0, DType.Float64));
        }
        var expAvgSq = state["exp_avg_sq"];
        var stepTensor = state["step"].Add_(1.0);
        double step = stepTensor.ToDouble();

        if (WeightDecay != 0)
        {
            if (_decoupled) parameter.Mul_(1 - LearningRate * WeightDecay);
            else grad = grad.Add(parameter, WeightDecay);
        }
        expAvg.Mul_(Beta1).Add_(grad, 1 - Beta1);
        expAvgSq.Mul_(Beta2).Addcmul_(grad, grad, 1 - Beta2);

        double biasCorrection1 = 1 - Math.Pow(Beta1, step);
        double biasCorrection2 = 1 - Math.Pow(Beta2, step);
        double stepSize = LearningRate / biasCorrection1;
        var denom = (expAvgSq.Sqrt() / Math.Sqrt(biasCorrection2)).Add_(Eps);
        parameter.Addcdiv_(expAvg, denom, -stepSize);
    }
}

/// <summary>AdamW: Adam with decoupled weight decay (default 0.01, as torch.optim.AdamW).</summary>
public sealed class AdamW(IEnumerable<Tensor> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
                          double eps = 1e-8, double weightDecay = 1e-2)
    : Adam(parameters, learningRate, beta1, beta2, eps, weightDecay, true);
