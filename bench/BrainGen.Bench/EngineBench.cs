using System.Globalization;
using System.Text;
using System.Text.Json;
using BrainGen.Torch;
using Spectre.Console;

namespace BrainGen.Bench;

// Inside the namespace, "Torch" would otherwise name the BrainGen.Torch namespace.
using Torch = BrainGen.Torch.Torch;

/// <summary>
/// `engine` suite: BrainGen.Torch vs PyTorch on the same machine and thread count. Times inference
/// and a training step (forward, MSE, backward, AdamW) of a ResBlock stack in three variants
/// (fp32, channels-last-3d, bf16 autocast), a single conv3d against the machine's sgemm GFLOP/s,
/// and the per-op overhead of a 1-element add. bench/python/engine_bench.py runs beside this
/// process and the two sides take turns repetition by repetition (see <see cref="Interleave"/>).
///
/// Options: --quick (smoke run), --threads N, --size S, --channels C, --blocks B, --reps R,
/// --iters I, --variants fp32,cl3d,bf16, --python PATH, --markdown (also print Markdown tables).
/// </summary>
public static class EngineBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private sealed record Pair(string Case, EngineVariant Variant, double[] Ours, double[] Theirs);

    public static int Run(string[] args)
    {
        var o = new EngineOptions { Threads = Environment.ProcessorCount };
        var variants = Enum.GetValues<EngineVariant>().ToList();
        string python = "/usr/bin/python3";
        bool markdown = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int NextInt() => int.Parse(Next(), Inv);
            switch (args[i])
            {
                case "--quick":
                    o = o with { Size = 16, Reps = 2, Iters = 1, Warmup = 1, ConvSize = 32, ConvIters = 1, GemmN = 512, GemmIters = 3, TinyOps = 2000 };
                    break;
                case "--threads": o = o with { Threads = NextInt() }; break;
                case "--size": o = o with { Size = NextInt() }; break;
                case "--channels": o = o with { Channels = NextInt() }; break;
                case "--blocks": o = o with { Blocks = NextInt() }; break;
                case "--reps": o = o with { Reps = NextInt() }; break;
                case "--iters": o = o with { Iters = NextInt() }; break;
                case "--variants": variants = Next().Split(',').Select(ParseVariant).ToList(); break;
                case "--python": python = Next(); break;
                case "--markdown": markdown = true; break;
                default:
                    Console.Error.WriteLine($"engine: unknown option {args[i]}");
                    return 2;
            }
        }
        string script = FindScript();
        Torch.NumThreads = o.Threads;

        AnsiConsole.MarkupLine($"[bold]engine[/]: libtorch {Torch.Version}, {Torch.NumThreads} threads, {CpuModel()}");
        AnsiConsole.MarkupLine($"network: {o.Blocks} ResBlocks, {o.Channels} ch, GroupNorm({o.Groups}), input 1x{o.Channels}x{o.Size}³; " +
                               $"{o.Reps} reps x median of {o.Iters} iters after {o.Warmup} warm-up");

        var load0 = LoadAverage();
        var pairs = new List<Pair>();
        var checks = new List<(EngineVariant, double, double)>();
        double[]? sgemmOurs = null, sgemmTheirs = null, tinyOurs = null, tinyTheirs = null;
        foreach (var v in variants)
        {
            bool first = v == variants[0];
            string cases = first ? "infer,train,conv,sgemm,tinyadd" : "infer,train,conv";
            AnsiConsole.MarkupLine($"[grey]{Name(v)}: building both sides, then {string.Join(", ", cases.Split(','))}...[/]");
            using var ours = new EngineWorkloads(o, v, first);
            using var theirs = new PythonPeer(python, script, o, v, cases);
            if (theirs.Info.GetProperty("threads").GetInt32() != Torch.NumThreads)
                throw new InvalidOperationException($"PyTorch runs {theirs.Info.GetProperty("threads")} threads, BrainGen {Torch.NumThreads}");
            checks.Add((v, ours.Check, theirs.Info.GetProperty("check").GetDouble()));
            foreach (var name in cases.Split(','))
            {
                var (a, b) = Interleave(ours.Cases[name], theirs, name, o);
                switch (name)
                {
                    case "sgemm": (sgemmOurs, sgemmTheirs) = (a, b); break;
                    case "tinyadd": (tinyOurs, tinyTheirs) = (a, b); break;
                    default: pairs.Add(new(name == "conv" ? "conv3d" : name, v, a, b)); break;
                }
            }
        }

        var report = new Report(o);
        report.Timings(pairs);
        report.Throughput(pairs, sgemmOurs!, sgemmTheirs!);
        report.Overhead(tinyOurs!, tinyTheirs!);
        report.Checks(checks);
        report.Print(markdown);
        AnsiConsole.MarkupLine($"load average (1 min) at start {load0}, at end {LoadAverage()} on {Environment.ProcessorCount} cores");
        return 0;
    }

    /// <summary>
    /// Warm-up on both sides, then the repetitions alternately (ours first on even ones, theirs on
    /// odd ones), so background load on a shared machine falls on both sides alike.
    /// </summary>
    private static (double[] Ours, double[] Theirs) Interleave(BenchCase c, PythonPeer peer, string name, EngineOptions o)
    {
        for (int i = 0; i < o.Warmup; i++)
        {
            c.Step();
            peer.Warmup(name);
        }
        var ours = new double[o.Reps];
        var theirs = new double[o.Reps];
        for (int r = 0; r < o.Reps; r++)
        {
            if (r % 2 == 0) { ours[r] = EngineWorkloads.OneRep(c); theirs[r] = peer.Rep(name); }
            else { theirs[r] = peer.Rep(name); ours[r] = EngineWorkloads.OneRep(c); }
        }
        return (ours, theirs);
    }

    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "?"; }
    }

    private static EngineVariant ParseVariant(string s) => s.Trim() switch
    {
        "fp32" => EngineVariant.Fp32,
        "cl3d" => EngineVariant.ChannelsLast3d,
        "bf16" => EngineVariant.BFloat16,
        _ => throw new ArgumentException($"unknown variant '{s}' (fp32, cl3d, bf16)"),
    };

    internal static string Name(EngineVariant v) => v switch
    {
        EngineVariant.Fp32 => "fp32",
        EngineVariant.ChannelsLast3d => "channels-last-3d",
        _ => "bf16 autocast",
    };

    /// <summary>bench/python/engine_bench.py, found upwards from the working directory or the binary.</summary>
    /// <summary>A Python counterpart in bench/python, found above the working directory or the build output.</summary>
    internal static string FindScript(string name = "engine_bench.py")
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "bench", "python", name);
                if (File.Exists(candidate)) return candidate;
            }
        throw new FileNotFoundException($"bench/python/{name} not found above the working directory");
    }

    internal static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return $"{line?.Split(':', 2)[1].Trim() ?? "unknown CPU"}, {Environment.ProcessorCount} logical cores";
        }
        catch (IOException) { return $"{Environment.ProcessorCount} logical cores"; }
    }

    /// <summary>Builds each table once and renders it to the console and, if asked, as Markdown.</summary>
    private sealed class Report(EngineOptions o)
    {
        private readonly List<(string Title, string[] Head, List<string[]> Rows)> _tables = [];

        private static string Ms(double s) => (s * 1e3).ToString(s < 0.1 ? "F1" : "F0", Inv);
        private static string Span(double[] xs) { var st = Stats.Of(xs); return $"{Ms(st.Median)} ({Ms(st.Min)}–{Ms(st.Max)})"; }
        private static string X(double r) => r.ToString("F3", Inv);

        public void Timings(List<Pair> pairs)
        {
            var rows = new List<string[]>();
            foreach (var p in pairs.Where(p => p.Case != "conv3d"))
            {
                double ours = Stats.MedianOf(p.Ours), theirs = Stats.MedianOf(p.Theirs);
                // Speed-up of the variant over plain fp32 on the same side (>1: the variant is faster).
                var fp32 = pairs.FirstOrDefault(q => q.Case == p.Case && q.Variant == EngineVariant.Fp32);
                string vsOurs = fp32 is null ? "–" : X(Stats.MedianOf(fp32.Ours) / ours);
                string vsTheirs = fp32 is null ? "–" : X(Stats.MedianOf(fp32.Theirs) / theirs);
                rows.Add([p.Case, Name(p.Variant), Span(p.Ours), Span(p.Theirs), X(ours / theirs), vsOurs, vsTheirs]);
            }
            _tables.Add(($"ResBlock stack, 1x{o.Channels}x{o.Size}³, ms: median (min–max) of {o.Reps} reps",
                ["case", "variant", "BrainGen", "PyTorch", "BrainGen/PyTorch", "fp32/variant BG", "fp32/variant PT"], rows));
        }

        public void Throughput(List<Pair> pairs, double[] sgemmOurs, double[] sgemmTheirs)
        {
            double gemmFlops = 2.0 * Math.Pow(o.GemmN, 3);
            double gOurs = gemmFlops / Stats.MedianOf(sgemmOurs) / 1e9, gTheirs = gemmFlops / Stats.MedianOf(sgemmTheirs) / 1e9;
            List<string[]> rows = [[$"sgemm {o.GemmN}² (Ops.Mm / torch.mm)", G(gOurs), G(gTheirs), X(gOurs / gTheirs), "1.000", "1.000"]];
            foreach (var p in pairs.Where(p => p.Case == "conv3d"))
            {
                double flops = EngineWorkloads.ConvFlops(o);
                double ours = flops / Stats.MedianOf(p.Ours) / 1e9, theirs = flops / Stats.MedianOf(p.Theirs) / 1e9;
                rows.Add([$"conv3d 1x{o.ConvChannels}x{o.ConvSize}³, 3³, {Name(p.Variant)}", G(ours), G(theirs), X(ours / theirs), X(ours / gOurs), X(theirs / gTheirs)]);
            }
            _tables.Add(("Throughput, GFLOP/s at the median time (conv FLOPs = 2·Cout·Cin·27·D·H·W)",
                ["kernel", "BrainGen", "PyTorch", "BrainGen/PyTorch", "of sgemm BG", "of sgemm PT"], rows));
            static string G(double g) => g.ToString("F1", Inv);
        }

        public void Overhead(double[] ours, double[] theirs)
        {
            double a = Stats.MedianOf(ours) * 1e6, b = Stats.MedianOf(theirs) * 1e6;
            string Us(double[] xs) { var s = Stats.Of(xs); return $"{s.Median * 1e6:F2} ({s.Min * 1e6:F2}–{s.Max * 1e6:F2})"; }
            _tables.Add(($"Per-op overhead: 1-element add, µs of thread CPU time per op, {o.TinyOps} ops per iteration",
                ["op", "BrainGen", "PyTorch (eager, Python)", "BrainGen/PyTorch"], [["a + b", Us(ours), Us(theirs), X(a / b)]]));
        }

        public void Checks(List<(EngineVariant V, double Ours, double Theirs)> checks) =>
            _tables.Add(("Equivalence: MSE loss of the initial network (same seed, same weights)",
                ["variant", "BrainGen", "PyTorch", "relative difference"],
                checks.Select(c => new[] { Name(c.V), c.Ours.ToString("R", Inv), c.Theirs.ToString("R", Inv),
                    (Math.Abs(c.Ours - c.Theirs) / Math.Abs(c.Theirs)).ToString("E1", Inv) }).ToList()));

        public void Print(bool markdown)
        {
            foreach (var (title, head, rows) in _tables)
            {
                var table = new Table { Title = new TableTitle(Markup.Escape(title)) };
                foreach (var h in head) table.AddColumn(new TableColumn(Markup.Escape(h)).RightAligned());
                foreach (var r in rows) table.AddRow(r.Select(Markup.Escape).ToArray());
                AnsiConsole.Write(table);
            }
            if (!markdown) return;
            var md = new StringBuilder();
            foreach (var (title, head, rows) in _tables)
            {
                md.Append("\n**").Append(title).Append("**\n\n| ").AppendJoin(" | ", head).Append(" |\n|")
                  .Append(string.Concat(Enumerable.Repeat("---|", head.Length))).Append('\n');
                foreach (var r in rows) md.Append("| ").AppendJoin(" | ", r).Append(" |\n");
            }
            Console.WriteLine(md.ToString());
        }
    }
}
