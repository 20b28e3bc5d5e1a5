using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace BrainGen.Torch.Serialization;

/// <summary>
/// An allowlist-only pickle interpreter. It implements the opcodes PyTorch checkpoints use
/// (protocols 2 to 5) and builds dicts, lists, tuples, numbers and strings itself; the only
/// other objects come from <see cref="IPickleHost"/>, which allows a fixed set of classes
/// implemented in C#. Opcodes that import or instantiate anything else (INST, OBJ, NEWOBJ, EXT*)
/// are refused, so a pickle cannot make this reader run code. Every length is checked against
/// the bytes that remain before allocating, and the stack, MARK nesting and object count are
/// capped, so hostile input fails fast with a message instead of exhausting memory.
/// </summary>
internal sealed partial class PickleMachine
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    private readonly byte[] _data;
    private readonly string _file;
    private readonly IPickleHost _host;
    private readonly PickleLimits _limits;
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];
    private int _pos;
    private int _opPos;
    private long _created;

    public PickleMachine(byte[] data, string file, IPickleHost host, PickleLimits limits)
    {
        _data = data;
        _file = file;
        _host = host;
        _limits = limits;
    }

    /// <summary>Runs the pickle to STOP and returns the object it built.</summary>
    public object? Run()
    {
        while (true)
        {
            _opPos = _pos;
            if (_pos >= _data.Length)
                throw Fail("data", "ended before STOP (truncated?)");
            byte op = _data[_pos++];
            if (op == Op.Stop)
                return Finish();
            Execute(op);
        }
    }

    private object? Finish()
    {
        if (_marks.Count > 0 || _stack.Count != 1)
            throw Fail("STOP", $"leaves {_stack.Count} values and {_marks.Count} open MARKs (expected exactly one value)");
        return CheckData(_stack[0], "the result");
    }

    private void Execute(byte op)
    {
        switch (op)
        {
            case Op.Proto:
                byte version = ReadByte();
                if (version > 5) throw Fail("PROTO", $"announces protocol {version}; only protocols up to 5 exist");
                break;
            case Op.Frame:
                // Framing only groups opcodes for buffered reading; the bytes are all here already.
                if (ReadUInt64() > (ulong)(_data.Length - _pos)) throw Fail("FRAME", "is longer than the data that remains");
                break;
            case Op.None: Push(null); break;
            case Op.NewTrue: Push(true); break;
            case Op.NewFalse: Push(false); break;
            case Op.BinInt1: Push((long)ReadByte()); break;
            case Op.BinInt2: Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
            case Op.BinInt: Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
            case Op.Long1: Push(ReadLong(ReadByte())); break;
            case Op.Long4: Push(ReadLong(ReadLength(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), "LONG4", 4096))); break;
            case Op.BinFloat: Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
            case Op.ShortBinUnicode: Push(ReadString(ReadByte(), "SHORT_BINUNICODE")); break;
            case Op.BinUnicode: Push(ReadString(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), "BINUNICODE")); break;
            case Op.BinUnicode8: Push(ReadString(ReadUInt64(), "BINUNICODE8")); break;
            case Op.ShortBinBytes: Push(ReadBytes(ReadByte(), "SHORT_BINBYTES")); break;
            case Op.BinBytes: Push(ReadBytes(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), "BINBYTES")); break;
            case Op.BinBytes8: Push(ReadBytes(ReadUInt64(), "BINBYTES8")); break;
            case Op.EmptyTuple: Push(PickleTuple.Empty); break;
            case Op.EmptyList: Push(new List<object?>()); break;
            case Op.EmptyDict: Push(new PickleDict()); break;
            case Op.Tuple1: PushTuple(1); break;
            case Op.Tuple2: PushTuple(2); break;
            case Op.Tuple3: PushTuple(3); break;
            case Op.Mark:
                if (_marks.Count >= _limits.MaxMarkDepth) throw Fail("MARK", $"nests deeper than {_limits.MaxMarkDepth} levels");
                _marks.Push(_stack.Count);
                break;
            case Op.Tuple: Push(MakeTuple(PopToMark("TUPLE"))); break;
            case Op.List: Push(new List<object?>(CheckAllData(PopToMark("LIST"), "a list"))); break;
            case Op.Dict: Push(FillDict(new PickleDict(), PopToMark("DICT"), "DICT")); break;
            case Op.Pop:
                if (_stack.Count > MarkBase) _stack.RemoveAt(_stack.Count - 1);
                else PopToMark("POP");
                break;
            case Op.PopMark: PopToMark("POP_MARK"); break;
            case Op.Dup: Push(Peek("DUP")); break;
            case Op.BinPut: Memoize(ReadByte(), "BINPUT"); break;
            case Op.LongBinPut: Memoize(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), "LONG_BINPUT"); break;
            case Op.Memoize: Memoize(_memo.Count, "MEMOIZE"); break;
            case Op.BinGet: Recall(ReadByte(), "BINGET"); break;
            case Op.LongBinGet: Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), "LONG_BINGET"); break;
            case Op.Global:
                string module = ReadLine("GLOBAL");
                Push(Resolve(module, ReadLine("GLOBAL"), "GLOBAL"));
                break;
            case Op.StackGlobal:
                string name = Pop("STACK_GLOBAL") as string ?? throw Fail("STACK_GLOBAL", "expects two strings (module, name)");
                string mod = Pop("STACK_GLOBAL") as string ?? throw Fail("STACK_GLOBAL", "expects two strings (module, name)");
                Push(Resolve(mod, name, "STACK_GLOBAL"));
                break;
            case Op.Reduce: Reduce(); break;
            case Op.Build: Build(); break;
            case Op.BinPersId:
                object? pid = Pop("BINPERSID");
                Push(Guard("BINPERSID", () => _host.PersistentLoad(pid)));
                break;
            case Op.Append:
                object? item = CheckData(Pop("APPEND"), "a list");
                TargetList("APPEND").Add(item);
                break;
            case Op.Appends:
                var items = CheckAllData(PopToMark("APPENDS"), "a list");
                TargetList("APPENDS").AddRange(items);
                break;
            case Op.SetItem:
                object? value = Pop("SETITEM");
                object? key = Pop("SETITEM");
                FillDict(TargetDict("SETITEM"), [key, value], "SETITEM");
                break;
            case Op.SetItems:
                var pairs = PopToMark("SETITEMS");
                FillDict(TargetDict("SETITEMS"), pairs, "SETITEMS");
                break;
            default:
                throw Op.Names.TryGetValue(op, out string? opName)
                    ? Fail(opName, $"is not supported ({RefusalReason})")
                    : Fail($"opcode 0x{op:x2}", "is not a pickle opcode (corrupt data?)");
        }
    }

    private const string RefusalReason = "only tensors, storages and plain containers can be loaded";

    private object Resolve(string module, string name, string opName) =>
        _host.ResolveGlobal(module, name, out string refusal)
        ?? throw Fail($"{opName} '{module} {name}'", $"is not allowed ({refusal})");

    private void Reduce()
    {
        object? args = Pop("REDUCE");
        object? callable = Pop("REDUCE");
        if (callable is not PickleCallable function)
            throw Fail("REDUCE", $"calls {TypeName(callable)}, which is not an allowed class or function");
        if (args is not PickleTuple tuple)
            throw Fail($"REDUCE of {function.Describe()}", $"has arguments of type {TypeName(args)}, expected a tuple");
        Push(Guard($"REDUCE of {function.Describe()}", () => function.Call(tuple)));
    }

    private void Build()
    {
        object? state = Pop("BUILD");
        object? target = Peek("BUILD");
        switch (target)
        {
            case PickleDict dict when state is PickleDict attributes:
                // A dict subclass's __dict__ (OrderedDict state_dicts carry `_metadata` here).
                if (attributes.Values.Any(v => v is PickleInternal || v is PickleTuple { HoldsInternal: true }))
                    throw Fail("BUILD", "sets an attribute to a class or storage");
                dict.Attributes ??= new PickleDict();
                foreach (var kv in attributes) dict.Attributes[kv.Key] = kv.Value;
                break;
            case PickleDict when state is null:
                break;
            case IPickleBuildable buildable:
                Guard<object?>("BUILD", () => { buildable.Build(state); return null; });
                break;
            default:
                throw Fail("BUILD", $"sets state {TypeName(state)} on {TypeName(target)}, which takes none");
        }
    }

    private T Guard<T>(string what, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (PickleRejection e)
        {
            throw Fail(what, "failed: " + e.Message);
        }
        catch (OverflowException)
        {
            // A safety net: callables check sizes with checked arithmetic.
            throw Fail(what, "failed: a size or index overflows 64 bits");
        }
    }

    internal InvalidDataException Fail(string what, string problem) =>
        new($"{_file}: pickle {what} at byte {_opPos} {problem}");
}
