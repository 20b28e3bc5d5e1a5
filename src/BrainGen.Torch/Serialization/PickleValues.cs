using System.Collections;

namespace BrainGen.Torch.Serialization;

/// <summary>
/// A Python <c>dict</c> or <c>collections.OrderedDict</c> read from a pickle, in insertion order.
/// Keys are <see cref="string"/>, <see cref="long"/>, <see cref="System.Numerics.BigInteger"/>,
/// <see cref="double"/>, <see cref="bool"/> or <see cref="PickleTuple"/>.
/// </summary>
public sealed class PickleDict : OrderedDictionary<object, object?>
{
    /// <summary>
    /// The instance attributes a pickle BUILD set on the dict, or null. For a PyTorch
    /// <c>state_dict()</c> this holds <c>_metadata</c> (per-module version numbers).
    /// </summary>
    public PickleDict? Attributes { get; internal set; }
}

/// <summary>A Python <c>tuple</c>: immutable, compared and hashed by value so it can key a dict.</summary>
public sealed class PickleTuple : IReadOnlyList<object?>, IEquatable<PickleTuple>
{
    private readonly object?[] _items;
    private int _hash;

    public static PickleTuple Empty { get; } = new([]);

    internal PickleTuple(object?[] items)
    {
        _items = items;
        foreach (var item in items)
        {
            if (item is PickleTuple t)
            {
                Depth = Math.Max(Depth, t.Depth);
                HoldsInternal |= t.HoldsInternal;
            }
            else if (item is PickleInternal)
            {
                HoldsInternal = true;
            }
        }
        Depth++;
    }

    /// <summary>Nesting depth of tuples inside tuples, capped by the reader so that hashing and comparing (recursive) stay shallow.</summary>
    internal int Depth { get; }

    /// <summary>Whether a reader-internal object (a class, a storage) is inside; such tuples may be call arguments but never data.</summary>
    internal bool HoldsInternal { get; }

    public int Count => _items.Length;
    public object? this[int index] => _items[index];
    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)_items).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    public bool Equals(PickleTuple? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is null || other._items.Length != _items.Length) return false;
        for (int i = 0; i < _items.Length; i++)
            if (!Equals(_items[i], other._items[i])) return false;
        return true;
    }

    public override bool Equals(object? obj) => obj is PickleTuple t && Equals(t);

    public override int GetHashCode()
    {
        if (_hash == 0)
        {
            var hash = new HashCode();
            foreach (var item in _items) hash.Add(item);
            _hash = hash.ToHashCode() | 1;
        }
        return _hash;
    }

    public override string ToString() => $"tuple({_items.Length})";
}

/// <summary>
/// Marks reader-internal values (allowed classes, storages, numpy dtypes) that exist only while a
/// pickle runs; the machine refuses to let them into dicts, lists or the result.
/// </summary>
internal abstract class PickleInternal
{
    public abstract string Describe();
}
