namespace BrainGen.Torch.Optim;

/// <summary>Stochastic gradient descent with momentum, dampening, Nesterov and weight decay, as torch.optim.SGD.</summary>
public sealed class SGD : Optimizer
{
    public SGD(IEnumerable<Tensor> parameters, double learningRate, double momentum = 0, double dampening = 0,
               double weightDecay = 0, bool nesterov = false) : base(parameters, learningRate)
    {
        if (nesterov && (momentum <= 0 || dampening != 0)) throw new ArgumentException("Nesterov momentum needs momentum > 0 and zero dampening");
        (Momentum, Dampening, WeightDecay, Nesterov) = (momentum, dampening, weightDecay, nesterov);
    }

    public double Momentum { get; }
    public double Dampening { get; }
    public double WeightDecay { get; }
    public bool Nesterov { get; }

    protected override void Update(Tensor parameter, Tensor grad, Dictionary<string, Tensor> state)
    {
        var d = WeightDecay != 0 ? grad.Add(parameter, WeightDecay) : grad;
        if (Momentum != 0)
        {
            if (!state.TryGetValue("momentum_buffer", out var buffer))
                buffer = Keep(state, "momentum_buffer", d.Detach().Clone());
            else
                buffer.Mul_(Momentum).Add_(d, 1 - Dampening);
            d = Nesterov ? d.Add(buffer, Momentum) : buffer;
        }
        parameter.Add_(d, -LearningRate);
    }
}
