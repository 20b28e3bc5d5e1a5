using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using BrainGen.Torch;
using BrainGen.Torch.NN;
using BrainGen.Torch.Optim;

namespace BrainGen.Bench;

// Inside the namespace, "Torch" would otherwise name the BrainGen.Torch namespace.
using Torch = BrainGen.Torch.Torch;

/// <summary>The three execution variants the engine suite compares, each on both sides.</summary>
public enum EngineVariant { Fp32, ChannelsLast3d, BFloat16 }

/// <summary>Sizes and repetition counts shared by the C# workloads and bench/python/engine_bench.py.</summary>
public sealed record EngineOptions
{
    public int Threads { get; init; } = 2;
    public int Size { get; init; } = 32;
    public int Channels { get; init; } = 32;
    public int Groups { get; init; } = 8;
    public int Blocks { get; init; } = 2;
    public int Reps { get; init; } = 5;
    public int Iters { get; init; } = 3;
    public int Warmup { get; init; } = 2;
    public int ConvSize { get; init; } = 64;
    public int ConvChannels { get; init; } = 32;
    public int ConvIters { get; init; } = 3;
    public int GemmN { get; init; } = 1024;
    public int GemmIters { get; init; } = 10;
    public int TinyOps { get; init; } = 20000;
    public ulong Seed { get; init; }
}

/// <summary>
/// MONAI AutoencoderKL's ResBlock with in == out channels, built in the same order as the Python
/// ResBlock so that, after the same seed, both hold bit-identical weights.
/// </summary>
public sealed class BenchResBlock : Module<Tensor, Tensor>
{
    private readonly GroupNorm _norm1, _norm2;
    private readonly Conv3d _conv1, _conv2;
    private readonly bool _normFp32;

    public BenchResBlock(long channels, long groups, double eps, bool normFp32)
    {
        _norm1 = RegisterModule("norm1", new GroupNorm(groups, channels, eps));
        _conv1 = RegisterModule("conv1", new Conv3d(channels, channels, 3, padding: 1));
        _norm2 = RegisterModule("norm2", new GroupNorm(groups, channels, eps));
        _conv2 = RegisterModule("conv2", new Conv3d(channels, channels, 3, padding: 1));
        // libtorch 1.13's CPU autocast does not cast group_norm to fp32 and its kernel rejects a bf16
        // input with fp32 weights, so under bf16 the norms get an fp32 input (as the Python side does).
        _normFp32 = normFp32;
    }

    public override Tensor Forward(Tensor x)
    {
        var h = _conv1.Forward(Functional.Silu(_norm1.Forward(NormInput(x))));
        h = _conv2.Forward(Functional.Silu(_norm2.Forward(NormInput(h))));
        return x + h;
    }

    private Tensor NormInput(Tensor x) => _normFp32 ? x.Float() : x;

    /// <summary>The dtype the first convolution produces for x under the current modes.</summary>
    public DType ConvDType(Tensor x) => _conv1.Forward(x).DType;
}

/// <summary>One timed operation: a step, how many calls make one repetition, and the clock to use.</summary>
public sealed record BenchCase(Action Step, int Iters, double Scale = 1, bool ThreadCpuTime = false);

/// <summary>
/// The C# workloads, each built once per variant and kept alive while the repetitions run; the
/// PyTorch counterparts are built the same way by bench/python/engine_bench.py.
/// </summary>
public sealed class EngineWorkloads : IDisposable
{
    private readonly DisposeScope _scope = Torch.NewDisposeScope();  // tensors made while building
    private readonly List<IDisposable> _owned = [];

    public Dictionary<string, BenchCase> Cases { get; } = [];

    /// <summary>MSE loss of the initial network: equal on both sides when the networks are.</summary>
    public double Check { get; }

    private static IDisposable? Autocast(EngineVariant v) => v == EngineVariant.BFloat16 ? Torch.Autocast(DeviceType.CPU) : null;

    public EngineWorkloads(EngineOptions o, EngineVariant variant, bool withMachineCases)
    {
        Check = AddNetwork(o, variant);
        AddConv(o, variant);
        if (withMachineCases)
        {
            AddSgemm(o);
            AddTinyAdd(o);
        }
        _scope.Dispose();  // ends the build scope; the tensors above were detached from it
    }

    private double AddNetwork(EngineOptions o, EngineVariant variant)
    {
        Torch.ManualSeed(o.Seed);
        var model = Own(new Sequential(Enumerable.Range(0, o.Blocks)
            .Select(_ => (Module<Tensor, Tensor>)new BenchResBlock(o.Channels, o.Groups, 1e-6, variant == EngineVariant.BFloat16)).ToArray()));
        long[] shape = [1, o.Channels, o.Size, o.Size, o.Size];
        var x = Keep(Tensor.Randn(shape));
        var target = Keep(Tensor.Randn(shape));
        if (variant == EngineVariant.ChannelsLast3d)
        {
            // model.to(memory_format=channels_last_3d): only 5-d parameters (conv weights) change layout.
            using (Torch.NoGrad())
                foreach (var p in model.Parameters().Where(p => p.Dim == 5))
                    p.SetData(p.Contiguous(MemoryFormat.ChannelsLast3d));
            x = Keep(x.Contiguous(MemoryFormat.ChannelsLast3d));
            target = Keep(target.Contiguous(MemoryFormat.ChannelsLast3d));
        }

        double check;
        using (Torch.NewDisposeScope())
        using (Torch.NoGrad())
        using (Autocast(variant))
        {
            check = Functional.MseLoss(model.Forward(x).Float(), target).ToDouble();
            // A variant that silently stays fp32 would make its timings meaningless.
            if (variant == EngineVariant.BFloat16) RequireBf16(((BenchResBlock)model[0]).ConvDType(x), "the network's Conv3d");
        }

        Cases["infer"] = new(() =>
        {
            using var scope = Torch.NewDisposeScope();
            using var noGrad = Torch.NoGrad();
            using var autocast = Autocast(variant);
            model.Forward(x);
        }, o.Iters);

        var optimizer = Own(new AdamW(model.Parameters(), learningRate: 1e-4));
        Cases["train"] = new(() =>
        {
            using var scope = Torch.NewDisposeScope();
            optimizer.ZeroGrad();
            Tensor loss;
            using (Autocast(variant)) loss = Functional.MseLoss(model.Forward(x), target);
            loss.Backward();
            optimizer.Step();
        }, o.Iters);
        return check;
    }

    /// <summary>One conv3d 1 x C x S³ -> C, 3x3x3, pad 1, no grad; FLOPs = 2·C·C·27·S³.</summary>
    private void AddConv(EngineOptions o, EngineVariant variant)
    {
        Torch.ManualSeed(o.Seed);
        int c = o.ConvChannels, s = o.ConvSize;
        var x = Keep(Tensor.Randn([1, c, s, s, s]));
        var w = Keep(Tensor.Randn([c, c, 3, 3, 3]) * 0.05);
        var b = Keep(Tensor.Zeros([c]));
        if (variant == EngineVariant.ChannelsLast3d)
        {
            x = Keep(x.Contiguous(MemoryFormat.ChannelsLast3d));
            w = Keep(w.Contiguous(MemoryFormat.ChannelsLast3d));
        }
        long[] pad = [1, 1, 1];
        if (variant == EngineVariant.BFloat16)
            using (Torch.NoGrad())
            using (Torch.Autocast(DeviceType.CPU))
                RequireBf16(Functional.Conv3d(x, w, b, padding: pad).DType, "Functional.Conv3d");
        Cases["conv"] = new(() =>
        {
            using var scope = Torch.NewDisposeScope();
            using var noGrad = Torch.NoGrad();
            using var autocast = Autocast(variant);
            Functional.Conv3d(x, w, b, padding: pad);
        }, o.ConvIters);
    }

    /// <summary>n x n float32 matrix product through libtorch (its BLAS), FLOPs = 2n³.</summary>
    private void AddSgemm(EngineOptions o)
    {
        Torch.ManualSeed(o.Seed);
        var a = Keep(Tensor.Randn([o.GemmN, o.GemmN]));
        var b = Keep(Tensor.Randn([o.GemmN, o.GemmN]));
        Cases["sgemm"] = new(() =>
        {
            using var scope = Torch.NewDisposeScope();
            Ops.Mm(a, b);
        }, o.GemmIters);
    }

    /// <summary>
    /// Seconds per 1-element add: dispatch, result allocation and binding only. The batch runs in a
    /// DisposeScope, as real code does, so freeing the results is part of the cost. Timed in thread
    /// CPU time (both sides): single-threaded µs-scale work on a loaded machine is otherwise
    /// dominated by time spent descheduled.
    /// </summary>
    private void AddTinyAdd(EngineOptions o)
    {
        var a = Keep(Tensor.Ones([1]));
        var b = Keep(Tensor.Ones([1]));
        int n = o.TinyOps;
        Cases["tinyadd"] = new(() =>
        {
            using var scope = Torch.NewDisposeScope();
            for (int i = 0; i < n; i++) _ = a + b;
        }, 3, 1.0 / n, ThreadCpuTime: true);
    }

    private Tensor Keep(Tensor t) => Own(t.DetachFromScope());

    private T Own<T>(T d) where T : IDisposable
    {
        _owned.Add(d);
        return d;
    }

    private static void RequireBf16(DType actual, string what)
    {
        if (actual != DType.BFloat16) throw new InvalidOperationException($"{what} gave {actual} under bf16 autocast");
    }

    public static double ConvFlops(EngineOptions o) => 2.0 * o.ConvChannels * o.ConvChannels * 27 * Math.Pow(o.ConvSize, 3);

    /// <summary>One repetition: the median of the case's calls, in its unit (seconds, or seconds per op).</summary>
    public static double OneRep(BenchCase c)
    {
        var times = new double[c.Iters];
        for (int i = 0; i < times.Length; i++)
        {
            if (c.ThreadCpuTime)
            {
                double t0 = ThreadCpuSeconds();
                c.Step();
                times[i] = ThreadCpuSeconds() - t0;
                continue;
            }
            long start = Stopwatch.GetTimestamp();
            c.Step();
            times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return Stats.MedianOf(times) * c.Scale;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds, Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>CLOCK_THREAD_CPUTIME_ID (3 on Linux), what Python's time.thread_time reads.</summary>
    private static double ThreadCpuSeconds()
    {
        ClockGetTime(3, out var t);
        return t.Seconds + t.Nanoseconds * 1e-9;
    }

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
    }
}

/// <summary>
/// bench/python/engine_bench.py started with --serve: it builds the same cases and runs one
/// warm-up call or one repetition per request, so its repetitions interleave with ours.
/// </summary>
public sealed class PythonPeer : IDisposable
{
    private readonly Process _process;

    public PythonPeer(string python, string script, EngineOptions o, EngineVariant variant, string cases)
    {
        string v = variant switch { EngineVariant.Fp32 => "fp32", EngineVariant.ChannelsLast3d => "cl3d", _ => "bf16" };
        var psi = new ProcessStartInfo(python) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add("--serve");
        foreach (var (k, val) in new (string, object)[]
                 {
                     ("variant", v), ("cases", cases), ("threads", o.Threads), ("size", o.Size), ("channels", o.Channels),
                     ("groups", o.Groups), ("blocks", o.Blocks), ("iters", o.Iters), ("seed", o.Seed), ("conv-size", o.ConvSize),
                     ("conv-channels", o.ConvChannels), ("conv-iters", o.ConvIters), ("gemm-n", o.GemmN),
                     ("gemm-iters", o.GemmIters), ("tiny-ops", o.TinyOps),
                 })
        {
            psi.ArgumentList.Add($"--{k}");
            psi.ArgumentList.Add(Convert.ToString(val, CultureInfo.InvariantCulture)!);
        }
        _process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {python}");
        Info = Read();  // check, threads, torch version: sent once the cases are built
    }

    public JsonElement Info { get; }

    public void Warmup(string name) => Send($"warmup {name}");

    public double Rep(string name) => Send($"rep {name}").GetProperty("t").GetDouble();

    private JsonElement Send(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
        return Read();
    }

    private JsonElement Read()
    {
        var line = _process.StandardOutput.ReadLine()
                   ?? throw new InvalidOperationException($"engine_bench.py exited ({(_process.WaitForExit(5000) ? _process.ExitCode : -1)}); see its stderr above");
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    public void Dispose()
    {
        try { _process.StandardInput.WriteLine("quit"); _process.StandardInput.Close(); } catch (IOException) { }
        _process.WaitForExit(10000);
        _process.Dispose();
    }
}

/// <summary>Median, min and max of the per-repetition medians.</summary>
public readonly record struct Stats(double Median, double Min, double Max)
{
    public static Stats Of(double[] xs) => new(MedianOf(xs), xs.Min(), xs.Max());

    public static double MedianOf(IEnumerable<double> values)
    {
        var s = values.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
