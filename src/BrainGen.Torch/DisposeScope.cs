namespace BrainGen.Torch;

/// <summary>
/// Frees every tensor created on this thread while the scope is the innermost one, when the scope
/// ends: wrap each training or sampling step in one so native memory stays flat. Tensors that must
/// outlive the step are moved out with <see cref="Tensor.MoveToOuterScope"/> or
/// <see cref="Tensor.DetachFromScope"/>. Scopes nest and must end in reverse order of creation.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? t_current;
    private readonly List<Tensor> _tensors = [];
    private bool _disposed;

    internal DisposeScope()
    {
        Outer = t_current;
        t_current = this;
    }

    internal static DisposeScope? Current => t_current;

    internal DisposeScope? Outer { get; }

    /// <summary>Tensors this scope will dispose.</summary>
    public int Count => _tensors.Count(t => t.Scope == this && !t.IsDisposed);

    internal void Add(Tensor tensor)
    {
        tensor.Scope = this;
        _tensors.Add(tensor);
    }

    public void Dispose()
    {
        if (_disposed) return;
        if (t_current != this)
            throw new InvalidOperationException("DisposeScopes must end in reverse order of creation, on the thread that made them");
        _disposed = true;
        t_current = Outer;
        foreach (var tensor in _tensors)
            if (tensor.Scope == this) tensor.Dispose();
        _tensors.Clear();
    }
}
