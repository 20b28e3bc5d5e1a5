using System.Buffers.Binary;
using System.Numerics;

namespace BrainGen.Torch.Serialization;

/// <summary>The stack, memo and operand decoding of <see cref="PickleMachine"/>.</summary>
internal sealed partial class PickleMachine
{
    private int MarkBase => _marks.Count > 0 ? _marks.Peek() : 0;

    private void Push(object? value)
    {
        if (_stack.Count >= _limits.MaxStack)
            throw Fail(OpName, $"pushes past the {_limits.MaxStack}-value stack limit");
        if (++_created > _limits.MaxObjects)
            throw Fail(OpName, $"creates more than {_limits.MaxObjects} objects (PthReadOptions.MaxPickleObjects)");
        _stack.Add(value);
    }

    private string OpName => Op.Names.TryGetValue(_data[_opPos], out string? name) ? name : "opcode";

    private object? Pop(string opName)
    {
        // Values below the innermost MARK belong to an enclosing container: not ours to take.
        if (_stack.Count <= MarkBase)
            throw Fail(opName, "finds the stack empty (malformed pickle)");
        object? top = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return top;
    }

    private object? Peek(string opName) =>
        _stack.Count > MarkBase ? _stack[^1] : throw Fail(opName, "finds the stack empty (malformed pickle)");

    private object?[] PopToMark(string opName)
    {
        if (_marks.Count == 0)
            throw Fail(opName, "has no MARK to pop to (malformed pickle)");
        int mark = _marks.Pop();
        var items = _stack.GetRange(mark, _stack.Count - mark).ToArray();
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private void Memoize(long index, string opName)
    {
        object? top = Peek(opName);
        if (_memo.Count >= _limits.MaxObjects && !_memo.ContainsKey(index))
            throw Fail(opName, $"stores more than {_limits.MaxObjects} memo entries");
        _memo[index] = top;
    }

    private void Recall(long index, string opName)
    {
        if (!_memo.TryGetValue(index, out object? value))
            throw Fail(opName, $"reads memo index {index}, which was never stored (malformed pickle)");
        Push(value);
    }

    private void PushTuple(int count)
    {
        string opName = $"TUPLE{count}";
        var items = new object?[count];
        for (int i = count - 1; i >= 0; i--) items[i] = Pop(opName);
        Push(MakeTuple(items));
    }

    private PickleTuple MakeTuple(object?[] items)
    {
        var tuple = new PickleTuple(items);
        if (tuple.Depth > _limits.MaxTupleDepth)
            throw Fail(OpName, $"nests tuples deeper than {_limits.MaxTupleDepth} levels");
        return tuple;
    }

    private List<object?> TargetList(string opName) =>
        Peek(opName) as List<object?> ?? throw Fail(opName, $"appends to {TypeName(Peek(opName))}, not a list");

    private PickleDict TargetDict(string opName) =>
        Peek(opName) as PickleDict ?? throw Fail(opName, $"sets items on {TypeName(Peek(opName))}, not a dict");

    private PickleDict FillDict(PickleDict dict, object?[] pairs, string opName)
    {
        if (pairs.Length % 2 != 0)
            throw Fail(opName, $"has an odd number of values ({pairs.Length}) for key/value pairs");
        for (int i = 0; i < pairs.Length; i += 2)
        {
            object key = pairs[i] switch
            {
                string or long or BigInteger or double or bool => pairs[i]!,
                PickleTuple { HoldsInternal: false } t => t,
                var other => throw Fail(opName, $"uses {TypeName(other)} as a dict key (keys must be str, int, float, bool or tuple)"),
            };
            dict[key] = CheckData(pairs[i + 1], "a dict");
        }
        return dict;
    }

    /// <summary>Keeps classes and storages out of containers and the result: they may only be call arguments.</summary>
    private object? CheckData(object? value, string where) => value switch
    {
        PickleInternal inner => throw Fail(OpName, $"puts {inner.Describe()} into {where}; a class or storage is not data"),
        PickleTuple { HoldsInternal: true } => throw Fail(OpName, $"puts a tuple holding a class or storage into {where}"),
        _ => value,
    };

    private object?[] CheckAllData(object?[] values, string where)
    {
        foreach (var v in values) CheckData(v, where);
        return values;
    }

    private byte ReadByte() => Take(1)[0];

    private ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _data.Length - _pos)
            throw Fail(OpName, $"needs {count} more bytes but the data ends (truncated?)");
        var span = _data.AsSpan(_pos, count);
        _pos += count;
        return span;
    }

    /// <summary>A declared length, checked against what remains before anything is allocated.</summary>
    private int ReadLength(ulong length, string opName, int cap = int.MaxValue)
    {
        if (length > (ulong)(_data.Length - _pos))
            throw Fail(opName, $"declares {length} bytes but only {_data.Length - _pos} remain (corrupt or hostile length)");
        if (length > (ulong)cap)
            throw Fail(opName, $"declares {length} bytes, over the {cap}-byte limit for this opcode");
        return (int)length;
    }

    private string ReadString(ulong length, string opName)
    {
        var bytes = Take(ReadLength(length, opName));
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw Fail(opName, "holds invalid UTF-8");
        }
    }

    private byte[] ReadBytes(ulong length, string opName) => Take(ReadLength(length, opName)).ToArray();

    /// <summary>Two's-complement little-endian integer (LONG1/LONG4): a long when it fits, else a BigInteger.</summary>
    private object ReadLong(int length)
    {
        var bytes = Take(length);
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (object)(long)value : value;
    }

    /// <summary>A GLOBAL operand line: a short ASCII dotted name ended by '\n'.</summary>
    private string ReadLine(string opName)
    {
        const int MaxName = 256;
        int end = Array.IndexOf(_data, (byte)'\n', _pos, Math.Min(MaxName + 1, _data.Length - _pos));
        if (end < 0)
            throw Fail(opName, $"has no name line of at most {MaxName} characters");
        var bytes = _data.AsSpan(_pos, end - _pos);
        foreach (byte b in bytes)
        {
            if (b < 0x20 || b > 0x7e)
                throw Fail(opName, "has a name that is not printable ASCII");
        }
        _pos = end + 1;
        return System.Text.Encoding.ASCII.GetString(bytes);
    }

    internal static string TypeName(object? value) => value switch
    {
        null => "None",
        string => "a str",
        long or BigInteger => "an int",
        double => "a float",
        bool => "a bool",
        byte[] => "bytes",
        PickleTuple => "a tuple",
        List<object?> => "a list",
        PickleDict => "a dict",
        HostTensor => "a tensor",
        PickleInternal inner => inner.Describe(),
        _ => value.GetType().Name,
    };
}
