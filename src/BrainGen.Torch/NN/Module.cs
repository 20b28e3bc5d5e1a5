namespace BrainGen.Torch.NN;

/// <summary>
/// A network component with named parameters, buffers and submodules. Names are registered
/// explicitly, so the dotted names from <see cref="NamedParameters"/> equal the PyTorch/MONAI
/// state_dict keys of the same architecture. Parameters and buffers belong to the module (never to
/// a <see cref="DisposeScope"/>) and are freed by <see cref="Dispose"/>.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<KeyValuePair<string, Tensor>> _parameters = [];
    private readonly List<KeyValuePair<string, Tensor>> _buffers = [];
    private readonly HashSet<string> _nonPersistent = [];
    private readonly List<KeyValuePair<string, Module>> _modules = [];

    public bool Training { get; private set; } = true;

    protected Tensor RegisterParameter(string name, Tensor value, bool requiresGrad = true)
    {
        CheckName(name);
        value.DetachFromScope();
        value.RequiresGrad = requiresGrad;
        _parameters.Add(new(name, value));
        return value;
    }

    /// <summary>A buffer is state without gradient (e.g. running statistics); non-persistent ones are left out of the state dict.</summary>
    protected Tensor RegisterBuffer(string name, Tensor value, bool persistent = true)
    {
        CheckName(name);
        value.DetachFromScope();
        _buffers.Add(new(name, value));
        if (!persistent) _nonPersistent.Add(name);
        return value;
    }

    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckName(name);
        _modules.Add(new(name, module));
        return module;
    }

    private void CheckName(string name)
    {
        if (name.Length == 0 || name.Contains('.')) throw new ArgumentException($"bad member name '{name}'");
        if (_parameters.Any(p => p.Key == name) || _buffers.Any(b => b.Key == name) || _modules.Any(m => m.Key == name))
            throw new ArgumentException($"{GetType().Name} already has a member named '{name}'");
    }

    public IEnumerable<KeyValuePair<string, Module>> NamedChildren() => _modules;

    public IEnumerable<KeyValuePair<string, Module>> NamedModules(string prefix = "")
    {
        yield return new(prefix, this);
        foreach (var (name, child) in _modules)
            foreach (var entry in child.NamedModules(Join(prefix, name)))
                yield return entry;
    }

    public IEnumerable<KeyValuePair<string, Tensor>> NamedParameters(string prefix = "")
    {
        foreach (var (name, p) in _parameters) yield return new(Join(prefix, name), p);
        foreach (var (name, child) in _modules)
            foreach (var entry in child.NamedParameters(Join(prefix, name)))
                yield return entry;
    }

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Value);

    public IEnumerable<KeyValuePair<string, Tensor>> NamedBuffers(string prefix = "", bool persistentOnly = false)
    {
        foreach (var (name, b) in _buffers)
            if (!persistentOnly || !_nonPersistent.Contains(name)) yield return new(Join(prefix, name), b);
        foreach (var (name, child) in _modules)
            foreach (var entry in child.NamedBuffers(Join(prefix, name), persistentOnly))
                yield return entry;
    }

    /// <summary>Parameters then persistent buffers of each module, in registration order, as PyTorch orders state_dict keys.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> StateDict(string prefix = "")
    {
        foreach (var (name, p) in _parameters) yield return new(Join(prefix, name), p);
        foreach (var (name, b) in _buffers)
            if (!_nonPersistent.Contains(name)) yield return new(Join(prefix, name), b);
        foreach (var (name, child) in _modules)
            foreach (var entry in child.StateDict(Join(prefix, name)))
                yield return entry;
    }

    /// <summary>The state dict copied to host memory (e.g. for a safetensors checkpoint).</summary>
    public Dictionary<string, HostTensor> StateDictToHost() => StateDict().ToDictionary(e => e.Key, e => e.Value.ToHost());

    public long ParameterCount() => Parameters().Sum(p => p.NumElements);

    public Module Train(bool training = true)
    {
        foreach (var (_, m) in NamedModules()) m.Training = training;
        return this;
    }

    public Module Eval() => Train(false);

    /// <summary>Moves every parameter and buffer to a device and/or floating dtype, keeping the tensor objects.</summary>
    public Module To(Device? device = null, DType? floatDType = null)
    {
        using var noGrad = Torch.NoGrad();
        foreach (var tensor in Parameters().Concat(NamedBuffers().Select(b => b.Value)))
        {
            var dtype = floatDType is { } f && tensor.DType.IsFloatingPoint() ? f : tensor.DType;
            using var moved = tensor.To(device ?? tensor.Device, dtype);
            tensor.SetData(moved);
        }
        return this;
    }

    /// <summary>Clears the gradients of every parameter.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.Grad = null;
    }

    /// <summary>
    /// Copies values into the parameters and buffers by name. Reports missing, unexpected and
    /// shape-mismatched keys; with <paramref name="strict"/> any of them is an error listing all three.
    /// A tensor holding NaN or Inf is always an error naming the source and the key.
    /// </summary>
    public StateDictLoadResult LoadStateDict(IReadOnlyDictionary<string, HostTensor> state, bool strict = true, string source = "state dict") =>
        LoadStateDictCore(state.ToDictionary(e => e.Key, e => (e.Value.Shape, (Func<Tensor>)(() => Tensor.FromHost(e.Value)))), strict, source);

    public StateDictLoadResult LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true, string source = "state dict") =>
        LoadStateDictCore(state.ToDictionary(e => e.Key, e => (e.Value.Shape, (Func<Tensor>)(() => e.Value.Alias()))), strict, source);

    private StateDictLoadResult LoadStateDictCore(Dictionary<string, (long[] Shape, Func<Tensor> Make)> state, bool strict, string source)
    {
        var own = StateDict().ToDictionary(e => e.Key, e => e.Value);
        var missing = own.Keys.Where(k => !state.ContainsKey(k)).ToList();
        var unexpected = state.Keys.Where(k => !own.ContainsKey(k)).ToList();
        var mismatched = own.Where(e => state.TryGetValue(e.Key, out var s) && !s.Shape.SequenceEqual(e.Value.Shape))
            .Select(e => $"{e.Key}: checkpoint [{string.Join(", ", state[e.Key].Shape)}], model [{string.Join(", ", e.Value.Shape)}]")
            .ToList();
        var result = new StateDictLoadResult(missing, unexpected, mismatched);
        if (strict && !result.IsExact) throw new InvalidDataException($"{source}: does not match {GetType().Name}: {result}");

        using var noGrad = Torch.NoGrad();
        foreach (var (key, target) in own)
        {
            if (!state.TryGetValue(key, out var entry) || !entry.Shape.SequenceEqual(target.Shape)) continue;
            using var value = entry.Make();
            // A NaN or Inf weight makes every output NaN: refuse it here, by file and tensor, not as all-NaN images later.
            if (value.NonFiniteCount() is > 0 and var bad)
                throw new InvalidDataException($"{source}: tensor '{key}' holds {bad} non-finite values (NaN or Inf) of {value.NumElements}");
            target.Copy_(value);
        }
        return result;
    }

    public virtual void Dispose()
    {
        foreach (var (_, p) in _parameters) p.Dispose();
        foreach (var (_, b) in _buffers) b.Dispose();
        foreach (var (_, m) in _modules) m.Dispose();
        GC.SuppressFinalize(this);
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";
}

/// <summary>A module with one input and one output.</summary>
public abstract class Module<TIn, TOut> : Module
{
    public abstract TOut Forward(TIn input);
}

public sealed record StateDictLoadResult(IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected, IReadOnlyList<string> ShapeMismatches)
{
    public bool IsExact => Missing.Count == 0 && Unexpected.Count == 0 && ShapeMismatches.Count == 0;

    public override string ToString()
    {
        static string List(IReadOnlyList<string> items) => items.Count == 0 ? "none" :
            string.Join(", ", items.Take(10)) + (items.Count > 10 ? $" and {items.Count - 10} more" : "");
        return $"missing keys: {List(Missing)}; unexpected keys: {List(Unexpected)}; shape mismatches: {List(ShapeMismatches)}";
    }
}
