using BrainGen.Torch.NN;

namespace BrainGen.Torch.Optim;

/// <summary>
/// An exponential moving average of a model's parameters and buffers (shadow = decay · shadow +
/// (1 − decay) · param), the weights diffusion models are usually sampled with.
/// </summary>
public sealed class ExponentialMovingAverage : IDisposable
{
    private readonly Module _model;
    private readonly Dictionary<string, Tensor> _shadow;

    public ExponentialMovingAverage(Module model, double decay = 0.999)
    {
        if (decay is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(decay), "decay must be in [0, 1]");
        _model = model;
        Decay = decay;
        using var noGrad = Torch.NoGrad();
        _shadow = model.StateDict().ToDictionary(e => e.Key, e => e.Value.Detach().Clone().DetachFromScope());
    }

    public double Decay { get; }

    public void Update()
    {
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewDisposeScope();
        foreach (var (name, value) in _model.StateDict())
        {
            var shadow = _shadow[name];
            if (shadow.DType.IsFloatingPoint()) shadow.Lerp_(value, 1 - Decay);
            else shadow.Copy_(value);
        }
    }

    /// <summary>Copies the averaged weights into a model of the same architecture.</summary>
    public void CopyTo(Module target) => target.LoadStateDict(_shadow, strict: true, source: "EMA weights");

    public Dictionary<string, HostTensor> StateDict() => _shadow.ToDictionary(e => e.Key, e => e.Value.ToHost());

    public void LoadStateDict(IReadOnlyDictionary<string, HostTensor> state)
    {
        using var noGrad = Torch.NoGrad();
        foreach (var (name, shadow) in _shadow)
        {
            if (!state.TryGetValue(name, out var value)) throw new InvalidDataException($"EMA state has no entry '{name}'");
            using var t = Tensor.FromHost(value, shadow.Device);
            shadow.Copy_(t);
        }
    }

    public void Dispose()
    {
        foreach (var t in _shadow.Values) t.Dispose();
    }
}
