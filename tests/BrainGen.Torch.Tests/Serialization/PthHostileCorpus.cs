using System.Text;

namespace BrainGen.Torch.Tests.Serialization;

/// <summary>
/// Hostile and malformed data.pkl payloads, each packed in an otherwise valid archive with one
/// 4-float storage "0". Each must be refused with a message naming the problem, quickly, without
/// executing anything or allocating much.
/// </summary>
internal static class PthHostileCorpus
{
    private static PickleBuilder P(byte protocol = 2) => new PickleBuilder().Proto(protocol);

    private static byte[] Repeat(byte op, int count, byte[] prefix, byte[] suffix) =>
        [.. prefix, .. Enumerable.Repeat(op, count), .. suffix];

    /// <summary>Case name, data.pkl bytes, fragment of the expected message.</summary>
    public static TheoryData<string, byte[], string> Cases() => new()
    {
        { "os.system via GLOBAL + REDUCE", P().Global("os", "system").Str("touch /tmp/pwned").Op(0x85).Reduce().Stop().ToArray(),
            "pickle GLOBAL 'os system' at byte 2 is not allowed (only tensors, storages and plain containers can be loaded)" },
        { "builtins.eval via STACK_GLOBAL", P(4).Str("builtins").Str("eval").Op(0x93).Str("1+1").Op(0x85).Reduce().Stop().ToArray(),
            "pickle STACK_GLOBAL 'builtins eval' at byte 24 is not allowed" },
        { "__builtin__ getattr", P().Global("__builtin__", "getattr").Stop().ToArray(), "GLOBAL '__builtin__ getattr' at byte 2 is not allowed" },
        { "torch module class", P().Global("torch.nn.modules.linear", "Linear").Stop().ToArray(), "GLOBAL 'torch.nn.modules.linear Linear'" },
        { "torch.storage._load_from_bytes", P().Global("torch.storage", "_load_from_bytes").Stop().ToArray(), "GLOBAL 'torch.storage _load_from_bytes'" },
        { "numpy ndarray reconstruct", P().Global("numpy.core.multiarray", "_reconstruct").Stop().ToArray(), "GLOBAL 'numpy.core.multiarray _reconstruct'" },
        { "INST", P().Mark().Op('i').Op(Encoding.ASCII.GetBytes("os\nsystem\n")).Stop().ToArray(), "pickle INST at byte 3 is not supported" },
        { "OBJ", P().Mark().Global("collections", "OrderedDict").Op('o').Stop().ToArray(), "pickle OBJ at byte 28 is not supported" },
        { "NEWOBJ of an allowed class", P().Global("collections", "OrderedDict").EmptyTuple().Op(0x81).Stop().ToArray(), "pickle NEWOBJ at byte 28 is not supported" },
        { "NEWOBJ_EX", P(4).EmptyTuple().EmptyTuple().EmptyDict().Op(0x92).Stop().ToArray(), "NEWOBJ_EX at byte 5 is not supported" },
        { "EXT1", P().Op(0x82, 1).Stop().ToArray(), "EXT1 at byte 2 is not supported" },
        { "text PERSID", P().Op('P').Op(Encoding.ASCII.GetBytes("0\n")).Stop().ToArray(), "PERSID at byte 2 is not supported" },
        { "REDUCE on a string", P().Str("os").EmptyTuple().Reduce().Stop().ToArray(), "REDUCE at byte 10 calls a str" },
        { "REDUCE with a list", P().Global("collections", "OrderedDict").EmptyList().Reduce().Stop().ToArray(), "has arguments of type a list, expected a tuple" },
        { "OrderedDict with items", P().Global("collections", "OrderedDict").Mark().EmptyList().Tuple().Reduce().Stop().ToArray(), "is only allowed with no arguments" },
        { "calling a storage class", P().Global("torch", "FloatStorage").EmptyTuple().Reduce().Stop().ToArray(), "storage classes are only valid inside a storage id" },
        { "deep MARK nesting", Repeat((byte)'(', 100_000, [0x80, 2], [(byte)'.']), "MARK at byte 1002 nests deeper than 1000 levels" },
        { "stack bomb", Repeat((byte)'N', 1_100_000, [0x80, 2], [(byte)'.']), "pushes past the 1000000-value stack limit" },
        { "tuple nesting", [.. P().EmptyTuple().ToArray(), .. Enumerable.Repeat((byte)0x85, 200), (byte)'.'], "nests tuples deeper than 100 levels" },
        { "memo index never stored", P().Op('h', 5).Stop().ToArray(), "BINGET at byte 2 reads memo index 5, which was never stored" },
        { "long memo index", P().Op('j', 0xFF, 0xFF, 0xFF, 0xFF).Stop().ToArray(), "memo index 4294967295" },
        { "huge BINUNICODE", P().Op('X', 0xFF, 0xFF, 0xFF, 0xFF).Op(Encoding.ASCII.GetBytes("abc")).Stop().ToArray(), "BINUNICODE at byte 2 declares 4294967295 bytes but only 4 remain" },
        { "huge BINUNICODE8", P(4).Op(0x8d).Op(BitConverter.GetBytes(ulong.MaxValue)).Stop().ToArray(), "declares 18446744073709551615 bytes" },
        { "huge BINBYTES", P(3).Op('B', 0x00, 0x00, 0x00, 0x7F).Stop().ToArray(), "BINBYTES at byte 2 declares 2130706432 bytes" },
        { "huge LONG4", P().Op(0x8b).Op(BitConverter.GetBytes(100_000)).Op(new byte[100_000]).Stop().ToArray(), "over the 4096-byte limit" },
        { "huge FRAME", P(4).Op(0x95).Op(BitConverter.GetBytes(1UL << 40)).Stop().ToArray(), "FRAME at byte 2 is longer than the data that remains" },
        { "invalid UTF-8", P().Op('X', 2, 0, 0, 0, 0xC3, 0x28).Stop().ToArray(), "BINUNICODE at byte 2 holds invalid UTF-8" },
        { "GLOBAL without newline", P().Op('c').Op(Encoding.ASCII.GetBytes(new string('a', 300))).ToArray(), "has no name line" },
        { "GLOBAL with control characters", P().Op('c').Op(Encoding.ASCII.GetBytes("os\u0001\nsystem\n")).Stop().ToArray(), "not printable ASCII" },
        { "no STOP", P().EmptyDict().ToArray(), "pickle data at byte 3 ended before STOP" },
        { "empty pickle", [], "ended before STOP" },
        { "unknown opcode", P().Op(0xFF).ToArray(), "pickle opcode 0xff at byte 2 is not a pickle opcode" },
        { "future protocol", new byte[] { 0x80, 9, (byte)'N', (byte)'.' }, "only protocols up to 5 exist" },
        { "SETITEM on a list", P().EmptyList().Str("k").Str("v").Op('s').Stop().ToArray(), "SETITEM at byte 15 sets items on a list, not a dict" },
        { "SETITEMS on a tuple", P().EmptyTuple().Mark().Str("k").Str("v").Op('u').Stop().ToArray(), "sets items on a tuple, not a dict" },
        { "APPEND on a dict", P().EmptyDict().None().Op('a').Stop().ToArray(), "APPEND at byte 4 appends to a dict, not a list" },
        { "BUILD on a list", P().EmptyList().EmptyDict().Op('b').Stop().ToArray(), "BUILD at byte 4 sets state a dict on a list" },
        { "POP on an empty stack", P().Op('0').Stop().ToArray(), "has no MARK to pop to" },
        { "TUPLE2 underflow", P().None().Op(0x86).Stop().ToArray(), "TUPLE2 at byte 3 finds the stack empty" },
        { "popping below a MARK", P().None().Mark().Op(0x85).Stop().ToArray(), "TUPLE1 at byte 4 finds the stack empty" },
        { "DICT with odd items", P().Mark().Str("k").Op('d').Stop().ToArray(), "odd number of values (1)" },
        { "list as dict key", P().EmptyDict().EmptyList().None().Op('s').Stop().ToArray(), "uses a list as a dict key" },
        { "None as dict key", P().EmptyDict().None().None().Op('s').Stop().ToArray(), "uses None as a dict key" },
        { "class stored in a dict", P().EmptyDict().Str("k").Global("torch", "FloatStorage").Op('s').Stop().ToArray(), "puts 'torch FloatStorage' into a dict; a class or storage is not data" },
        { "class in a tuple in a list", P().EmptyList().Global("torch", "FloatStorage").Op(0x85).Op('a').Stop().ToArray(), "puts a tuple holding a class or storage into a list" },
        { "class as the result", P().Global("collections", "OrderedDict").Stop().ToArray(), "into the result" },
        { "two results", P().None().None().Stop().ToArray(), "STOP at byte 4 leaves 2 values and 0 open MARKs" },
        { "open MARK at STOP", P().Mark().None().Stop().ToArray(), "leaves 1 values and 1 open MARKs" },
        { "bad persistent id", P().Str("storage").Op(0x85).Op('Q').Stop().ToArray(), "BINPERSID at byte 15 failed: persistent id must be ('storage', torch.<Type>Storage, key, location, numel), got a tuple of 1 items" },
        { "missing storage record", P().Tensor("FloatStorage", "7", 4, 0, [4], [1]).Stop().ToArray(), "storage record 'archive/data/7' is missing from the archive" },
        { "storage record too short", P().Tensor("FloatStorage", "0", 5, 0, [5], [1]).Stop().ToArray(), "storage '0' declares 5 Float32 elements (20 bytes) but its record holds 16 bytes" },
        { "storage numel huge", P().Tensor("FloatStorage", "0", long.MaxValue, 0, [1], [1]).Stop().ToArray(), "declares 9223372036854775807 Float32 elements (36893488147419103228 bytes) but its record holds 16 bytes" },
        { "storage numel negative", P().Tensor("FloatStorage", "0", -1, 0, [1], [1]).Stop().ToArray(), "persistent id must be" },
        { "storage redeclared as another type", P().Mark().Tensor("FloatStorage", "0", 4, 0, [4], [1]).Tensor("IntStorage", "0", 4, 0, [4], [1]).Op('l').Stop().ToArray(), "storage '0' is declared as 4 Int32 elements here but as 4 Float32 elements before" },
        { "view past the storage", P().Tensor("FloatStorage", "0", 4, 1, [4], [1]).Stop().ToArray(), "reaches element 4 of storage '0', which holds 4" },
        { "strided view past the storage", P().Tensor("FloatStorage", "0", 4, 0, [2, 2], [1, 3]).Stop().ToArray(), "reaches element 4" },
        { "negative stride", P().Tensor("FloatStorage", "0", 4, 3, [4], [-1]).Stop().ToArray(), "has negative or mismatched entries" },
        { "negative size", P().Tensor("FloatStorage", "0", 4, 0, [-4], [1]).Stop().ToArray(), "has negative or mismatched entries" },
        { "rank mismatch", P().Tensor("FloatStorage", "0", 4, 0, [2, 2], [1]).Stop().ToArray(), "has negative or mismatched entries" },
        { "negative offset", P().Tensor("FloatStorage", "0", 4, -1, [1], [1]).Stop().ToArray(), "has negative or mismatched entries" },
        { "size overflow", P().Tensor("FloatStorage", "0", 4, 0, [1L << 62, 1L << 62], [0, 0]).Stop().ToArray(), "overflows 64-bit sizes" },
        { "expand bomb over budget", P().Tensor("FloatStorage", "0", 4, 0, [1L << 28, 4], [0, 1]).Stop().ToArray(), "exceeds what a HostTensor can hold" },
        { "rebuild with 3 arguments", P().Global("torch._utils", "_rebuild_tensor_v2").Mark().None().None().None().Tuple().Reduce().Stop().ToArray(), "takes 6 or 7 arguments, got 3" },
        { "rebuild without a storage", P().Global("torch._utils", "_rebuild_tensor_v2").Mark().None().Int(0).Ints([1]).Ints([1]).False().EmptyDict().Tuple().Reduce().Stop().ToArray(), "storage (argument 0) is None, expected TorchStorage" },
        { "parameter of a non-tensor", P().Global("torch._utils", "_rebuild_parameter").Mark().None().False().EmptyDict().Tuple().Reduce().Stop().ToArray(), "data (argument 0) is None, expected HostTensor" },
        { "codecs with another encoding", P().Global("_codecs", "encode").Str("x").Str("rot13").Op(0x86).Reduce().Stop().ToArray(), "only _codecs.encode(text, 'latin1') is allowed" },
    };
}
