using System.Diagnostics;
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

/// <summary>The timed C# workloads and the runner for their PyTorch counterparts.</summary>
public static class EngineWorkloads
{
    /// <summary>warmup untimed calls, then reps repetitions of iters timed calls; returns each repetition's median (s).</summary>
    public static double[] Measure(Action step, EngineOptions o, int? iters = null)
    {
        for (int i = 0; i < o.Warmup; i++) step();
        var medians = new double[o.Reps];
        var times = new double[iters ?? o.Iters];
        for (int r = 0; r < o.Reps; r++)
        {
            for (int i = 0; i < times.Length; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                step();
                times[i] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            }
            medians[r] = Stats.MedianOf(times);
        }
        return medians;
    }

    private static IDisposable? Autocast(EngineVariant v) => v == EngineVariant.BFloat16 ? Torch.AutocastCpu() : null;

    /// <summary>Inference and training step of the ResBlock stack; also the fp32 loss at init as an equivalence check.</summary>
    public static Dictionary<string, double[]> Network(EngineOptions o, EngineVariant variant, out double check)
    {
        Torch.ManualSeed(o.Seed);
        using var model = new Sequential(Enumerable.Range(0, o.Blocks)
            .Select(_ => (Module<Tensor, Tensor>)new BenchResBlock(o.Channels, o.Groups, 1e-6, variant == EngineVariant.BFloat16)).ToArray());
        long[] shape = [1, o.Channels, o.Size, o.Size, o.Size];
        using var x0 = Tensor.Randn(shape).DetachFromScope();
        using var target0 = Tensor.Randn(shape).DetachFromScope();
        var x = x0;
        var target = target0;
        if (variant == EngineVariant.ChannelsLast3d)
        {
            // model.to(memory_format=channels_last_3d): only 5-d parameters (conv weights) change layout.
            using (Torch.NoGrad())
            using (Torch.NewDisposeScope())
                foreach (var p in model.Parameters().Where(p => p.Dim == 5))
                    p.SetData(p.Contiguous(MemoryFormat.ChannelsLast3d));
            x = x0.Contiguous(MemoryFormat.ChannelsLast3d).DetachFromScope();
            target = target0.Contiguous(MemoryFormat.ChannelsLast3d).DetachFromScope();
        }

        using (Torch.NewDisposeScope())
        using (Torch.NoGrad())
        using (Autocast(variant))
        {
            check = Functional.MseLoss(model.Forward(x).Float(), target).ToDouble();
            // A variant that silently stays fp32 would make its timings meaningless.
            if (variant == EngineVariant.BFloat16) RequireBf16(((BenchResBlock)model[0]).ConvDType(x), "the network's Conv3d");
        }

        var results = new Dictionary<string, double[]>
        {
            ["infer"] = Measure(() =>
            {
                using var scope = Torch.NewDisposeScope();
                using var noGrad = Torch.NoGrad();
                using var autocast = Autocast(variant);
                model.Forward(x);
            }, o),
        };

        using var optimizer = new AdamW(model.Parameters(), learningRate: 1e-4);
        results["train"] = Measure(() =>
        {
            using var scope = Torch.NewDisposeScope();
            optimizer.ZeroGrad();
            Tensor loss;
            using (Autocast(variant)) loss = Functional.MseLoss(model.Forward(x), target);
            loss.Backward();
            optimizer.Step();
        }, o);

        if (!ReferenceEquals(x, x0)) { x.Dispose(); target.Dispose(); }
        return results;
    }

    /// <summary>One conv3d 1 x C x S³ -> C, 3x3x3, pad 1, no grad; FLOPs = 2·C·C·27·S³.</summary>
    public static double[] Conv(EngineOptions o, EngineVariant variant)
    {
        Torch.ManualSeed(o.Seed);
        using var scope = Torch.NewDisposeScope();
        int c = o.ConvChannels, s = o.ConvSize;
        var x = Tensor.Randn([1, c, s, s, s]);
        var w = Tensor.Randn([c, c, 3, 3, 3]) * 0.05;
        var b = Tensor.Zeros([c]);
        if (variant == EngineVariant.ChannelsLast3d)
        {
            x = x.Contiguous(MemoryFormat.ChannelsLast3d);
            w = w.Contiguous(MemoryFormat.ChannelsLast3d);
        }
        long[] pad = [1, 1, 1];
        if (variant == EngineVariant.BFloat16)
            using (Torch.NoGrad())
            using (Torch.AutocastCpu())
                RequireBf16(Functional.Conv3d(x, w, b, padding: pad).DType, "Functional.Conv3d");
        return Measure(() =>
        {
            using var inner = Torch.NewDisposeScope();
            using var noGrad = Torch.NoGrad();
            using var autocast = Autocast(variant);
            Functional.Conv3d(x, w, b, padding: pad);
        }, o, o.ConvIters);
    }

    private static void RequireBf16(DType actual, string what)
    {
        if (actual != DType.BFloat16) throw new InvalidOperationException($"{what} gave {actual} under bf16 autocast");
    }

    public static double ConvFlops(EngineOptions o) => 2.0 * o.ConvChannels * o.ConvChannels * 27 * Math.Pow(o.ConvSize, 3);

    /// <summary>n x n float32 matrix product through libtorch (its BLAS), FLOPs = 2n³.</summary>
    public static double[] Sgemm(EngineOptions o)
    {
        Torch.ManualSeed(o.Seed);
        using var scope = Torch.NewDisposeScope();
        var a = Tensor.Randn([o.GemmN, o.GemmN]);
        var b = Tensor.Randn([o.GemmN, o.GemmN]);
        return Measure(() =>
        {
            using var inner = Torch.NewDisposeScope();
            Ops.Mm(a, b);
        }, o, o.GemmIters);
    }

    /// <summary>
    /// Seconds per 1-element add: dispatch, result allocation and binding only. The batch runs in a
    /// DisposeScope, as real code does, so freeing the results is part of the cost.
    /// </summary>
    public static double[] TinyAdd(EngineOptions o)
    {
        using var a = Tensor.Ones([1]).DetachFromScope();
        using var b = Tensor.Ones([1]).DetachFromScope();
        int n = o.TinyOps;
        var medians = Measure(() =>
        {
            using var scope = Torch.NewDisposeScope();
            for (int i = 0; i < n; i++) _ = a + b;
        }, o, 3);
        return medians.Select(t => t / n).ToArray();
    }

    /// <summary>Runs bench/python/engine_bench.py with the same options and returns its JSON object.</summary>
    public static JsonElement RunPython(string python, string script, EngineOptions o, EngineVariant variant, string cases)
    {
        string v = variant switch { EngineVariant.Fp32 => "fp32", EngineVariant.ChannelsLast3d => "cl3d", _ => "bf16" };
        var psi = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(script);
        foreach (var (k, val) in new (string, object)[]
                 {
                     ("variant", v), ("cases", cases), ("threads", o.Threads), ("size", o.Size), ("channels", o.Channels),
                     ("groups", o.Groups), ("blocks", o.Blocks), ("reps", o.Reps), ("iters", o.Iters), ("warmup", o.Warmup),
                     ("seed", o.Seed), ("conv-size", o.ConvSize), ("conv-channels", o.ConvChannels), ("conv-iters", o.ConvIters),
                     ("gemm-n", o.GemmN), ("gemm-iters", o.GemmIters), ("tiny-ops", o.TinyOps),
                 })
        {
            psi.ArgumentList.Add($"--{k}");
            psi.ArgumentList.Add(val.ToString()!);
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {python}");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{python} {script} failed ({process.ExitCode}):\n{stderr.Result}");
        return JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement.Clone();
    }

    public static double[] Series(JsonElement json, string key) =>
        json.GetProperty(key).EnumerateArray().Select(e => e.GetDouble()).ToArray();
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
