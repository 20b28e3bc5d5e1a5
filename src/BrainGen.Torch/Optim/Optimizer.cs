namespace BrainGen.Torch.Optim;

/// <summary>
/// An optimizer over a list of parameters with per-parameter state tensors. Updates run without
/// gradient recording and inside their own dispose scope, so a step leaves no native garbage.
/// State (moments, step counts) round-trips through <see cref="StateDict"/> for resumable training.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly Dictionary<string, Tensor>[] _state;

    protected Optimizer(IEnumerable<Tensor> parameters, double learningRate)
    {
        Parameters = parameters.ToArray();
        if (Parameters.Count == 0) throw new ArgumentException("optimizer got an empty parameter list");
        if (learningRate < 0) throw new ArgumentOutOfRangeException(nameof(learningRate), "learning rate must be >= 0");
        LearningRate = learningRate;
        _state = Parameters.Select(_ => new Dictionary<string, Tensor>()).ToArray();
    }

    public IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>The current learning rate; schedules set it before each step.</summary>
    public double LearningRate { get; set; }

    /// <summary>Number of completed steps.</summary>
    public long StepCount { get; private set; }

    public void ZeroGrad()
    {
        foreach (var p in Parameters) p.Grad = null;
    }

    public void Step()
    {
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewDisposeScope();
        StepCount++;
        for (int i = 0; i < Parameters.Count; i++)
        {
            var grad = Parameters[i].Grad;
            if (grad is null) continue;
            Update(Parameters[i], grad, _state[i]);
        }
    }

    /// <summary>Updates one parameter in place from its gradient; state tensors persist between steps.</summary>
    protected abstract void Update(Tensor parameter, Tensor grad, Dictionary<string, Tensor> state);

    /// <summary>Creates a state tensor that outlives the step's scope.</summary>
    protected static Tensor Keep(Dictionary<string, Tensor> state, string name, Tensor value)
    {
        value.DetachFromScope();
        state[name] = value;
        return value;
    }

    /// <summary>State as host tensors, keyed "{parameter index}.{name}", plus "step" and "lr".</summary>
    public Dictionary<string, HostTensor> StateDict()
    {
        var result = new Dictionary<string, HostTensor>();
        for (int i = 0; i < _state.Length; i++)
            foreach (var (name, t) in _state[i])
                result[$"{i}.{name}"] = t.ToHost();
        result["step"] = new HostTensor(DType.Int64, [], BitConverter.GetBytes(StepCount));
        result["lr"] = new HostTensor(DType.Float64, [], BitConverter.GetBytes(LearningRate));
        return result;
    }

    public void LoadStateDict(IReadOnlyDictionary<string, HostTensor> state, string source = "optimizer state")
    {
        if (!state.TryGetValue("step", out var step) || step.DType != DType.Int64 || step.Data.Length != 8)
            throw new InvalidDataException($"{source}: no int64 'step' entry");
        foreach (var s in _state)
        {
            foreach (var t in s.Values) t.Dispose();
            s.Clear();
        }
        foreach (var (key, value) in state)
        {
            if (key is "step" or "lr") continue;
            int dot = key.IndexOf('.');
            if (dot < 0 || !int.TryParse(key[..dot], out var index) || index < 0 || index >= _state.Length)
                throw new InvalidDataException($"{source}: entry '{key}' names no parameter of this optimizer ({_state.Length} parameters)");
            var device = Parameters[index].Device;
            _state[index][key[(dot + 1)..]] = Tensor.FromHost(value, device).DetachFromScope();
        }
        StepCount = BitConverter.ToInt64(step.Data);
        if (state.TryGetValue("lr", out var lr) && lr.DType == DType.Float64 && lr.Data.Length == 8) LearningRate = BitConverter.ToDouble(lr.Data);
    }

    public void Dispose()
    {
        foreach (var s in _state)
            foreach (var t in s.Values) t.Dispose();
        GC.SuppressFinalize(this);
    }
}
