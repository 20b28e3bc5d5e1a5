using BrainGen.Torch.Serialization;

namespace BrainGen.Torch.Tests.Serialization;

/// <summary>
/// Random programs over the opcodes the machine accepts, with plausible operands. The generator
/// tracks the stack depth so programs get past trivial underflows and reach the type checks
/// (SETITEM on a tuple, REDUCE of a storage, a class as a dict key...). Whatever they build,
/// reading ends in a result or an InvalidDataException naming the file; never another exception
/// type (cast, index, overflow, null reference) and never a hang.
/// </summary>
public class PickleFuzzTests
{
    private static readonly Action<PickleBuilder, Random>[] Values =
    [
        (p, _) => p.EmptyDict(), (p, _) => p.EmptyList(), (p, _) => p.EmptyTuple(), (p, _) => p.None(),
        (p, _) => p.False(), (p, r) => p.Int(r.Next(-3, 300)), (p, r) => p.Str(r.Next(4) switch { 0 => "storage", 1 => "0", 2 => "f8", _ => "cpu" }),
        (p, r) => p.Op(0x8a, 1, (byte)r.Next(256)), (p, _) => p.Op('C', 8).Op(new byte[8]), (p, _) => p.Str("latin1"),
        (p, _) => p.Global("collections", "OrderedDict"), (p, _) => p.Global("torch", "FloatStorage"),
        (p, _) => p.Global("torch._utils", "_rebuild_tensor_v2"), (p, _) => p.Global("torch._utils", "_rebuild_parameter"),
        (p, _) => p.Global("_codecs", "encode"), (p, _) => p.Global("numpy", "dtype"),
        (p, _) => p.Global("numpy.core.multiarray", "scalar"),
        (p, _) => p.Tensor("FloatStorage", "0", 4, 0, [2, 2], [1, 2]), (p, _) => p.Tensor("LongStorage", "0", 2, 0, [2], [1]),
    ];

    // Opcode, values it needs above the innermost MARK, net change of that count.
    private static readonly (byte Op, int Needs, int Delta)[] Consumers =
    [
        (0x85, 1, 0), (0x86, 2, -1), (0x87, 3, -2), ((byte)'s', 3, -2), ((byte)'a', 2, -1), ((byte)'b', 2, -1),
        ((byte)'R', 2, -1), ((byte)'Q', 1, 0), ((byte)'q', 1, 0), (0x94, 1, 0), ((byte)'0', 1, -1), ((byte)'2', 1, 1),
        ((byte)'h', 0, 1),
    ];

    private static byte[] Program(Random random)
    {
        var p = new PickleBuilder().Proto();
        var marks = new Stack<int>();
        int depth = 0;
        for (int step = random.Next(1, 60); step > 0; step--)
        {
            int choice = random.Next(10);
            if (choice < 4)
            {
                Values[random.Next(Values.Length)](p, random);
                depth++;
            }
            else if (choice == 4 && marks.Count < 6)
            {
                p.Mark();
                marks.Push(depth);
                depth = 0;
            }
            else if (choice == 5 && marks.Count > 0)
            {
                // t, l, d build a container from the marked values; u, e fill the one below the mark.
                byte op = "tldue"[random.Next(5)] is var c ? (byte)c : (byte)0;
                p.Op(op);
                depth = marks.Pop() + (op is (byte)'u' or (byte)'e' ? 0 : 1);
            }
            else
            {
                var (op, needs, delta) = Consumers[random.Next(Consumers.Length)];
                if (depth < needs) continue;
                p.Op(op);
                if (op is (byte)'q' or (byte)'h') p.Op((byte)random.Next(3));
                depth += delta;
            }
        }
        while (marks.Count > 0) { p.Tuple(); depth = marks.Pop() + 1; }
        for (; depth > 1; depth--) p.Op(0x86);
        return p.Stop().ToArray();
    }

    [Fact]
    public void Random_opcode_programs_fail_only_with_invalid_data()
    {
        var random = new Random(20240611);
        var storages = new Dictionary<string, byte[]> { ["0"] = PthZip.Floats(1, 2, 3, 4) };
        int succeeded = 0;
        for (int run = 0; run < 4000; run++)
        {
            using var stream = new MemoryStream(PthZip.Build(Program(random), storages));
            try
            {
                PthFile.Read(stream, "fuzz.pt", PthReadOptions.Tolerant);
                succeeded++;
            }
            catch (InvalidDataException e)
            {
                Assert.StartsWith("fuzz.pt: ", e.Message);
            }
        }
        // Both outcomes must occur, or the generator explores only one side of the machine.
        Assert.InRange(succeeded, 100, 3900);
    }
}
