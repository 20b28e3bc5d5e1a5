namespace BrainGen.Torch.NN;

/// <summary>A lookup table: indices (*) -> (*, dim). Key: weight (num, dim), initialized N(0, 1).</summary>
public sealed class Embedding : Module<Tensor, Tensor>
{
    public Embedding(long numEmbeddings, long embeddingDim)
    {
        Weight = RegisterParameter("weight", Tensor.Empty([numEmbeddings, embeddingDim]));
        Init.Normal_(Weight);
    }

    public Tensor Weight { get; }

    public override Tensor Forward(Tensor indices) => Functional.Embedding(indices, Weight);
}

/// <summary>Zeroes elements with probability p while training and scales the rest by 1/(1-p).</summary>
public sealed class Dropout(double p = 0.5) : Module<Tensor, Tensor>
{
    public double P { get; } = p is >= 0 and <= 1 ? p : throw new ArgumentOutOfRangeException(nameof(p), "dropout probability must be in [0, 1]");

    public override Tensor Forward(Tensor input) => Functional.Dropout(input, P, Training);
}

public sealed class Identity : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor input) => input.Alias();
}

public sealed class SiLU : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor input) => Functional.Silu(input);
}

public sealed class GELU(bool tanhApproximation = false) : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor input) => Functional.Gelu(input, tanhApproximation);
}

/// <summary>Modules applied in order; children are named "0", "1", ... as in PyTorch.</summary>
public sealed class Sequential : Module<Tensor, Tensor>
{
    private readonly List<Module<Tensor, Tensor>> _layers = [];

    public Sequential(params Module<Tensor, Tensor>[] layers)
    {
        foreach (var layer in layers) Append(layer);
    }

    public int Count => _layers.Count;
    public Module<Tensor, Tensor> this[int index] => _layers[index];

    public Sequential Append(Module<Tensor, Tensor> layer)
    {
        RegisterModule(_layers.Count.ToString(), layer);
        _layers.Add(layer);
        return this;
    }

    public override Tensor Forward(Tensor input)
    {
        // Intermediates belong to the caller's scope, like any other op result.
        var x = input;
        foreach (var layer in _layers) x = layer.Forward(x);
        return ReferenceEquals(x, input) ? input.Alias() : x;
    }
}

/// <summary>A list of submodules named "0", "1", ...; the owner decides how to call them.</summary>
public sealed class ModuleList<T> : Module, IReadOnlyList<T> where T : Module
{
    private readonly List<T> _items = [];

    public ModuleList(IEnumerable<T>? items = null)
    {
        foreach (var item in items ?? []) Add(item);
    }

    public void Add(T item)
    {
        RegisterModule(_items.Count.ToString(), item);
        _items.Add(item);
    }

    public int Count => _items.Count;
    public T this[int index] => _items[index];
    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
