using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BrainGen.Models.Tokenizers;
using BrainGen.Models.Denoisers;
using BrainGen.Models.Schedulers;
using BrainGen.Torch;

namespace BrainGen.Bench;

using Torch = BrainGen.Torch.Torch;

/// <summary>
/// `ldm` suite: one DDIM step (UNet forward on latents + 4 condition channels with a 4-d
/// cross-attention context, then the scheduler step) and one autoencoder decode, BrainGen vs
/// PyTorch + MONAI Generative (bench/python/ldm_bench.py) on the same machine and thread count.
///
/// The Python side is one persistent process (models built and warmed up once) that this process
/// drives over stdin/stdout one repetition at a time, alternating with its own repetitions (BrainGen
/// first on even repetitions, PyTorch first on odd ones). On a shared machine the load drifts from
/// minute to minute; measuring all of one side and then all of the other turns that drift into a
/// bias of the ratio, while alternating makes both sides see the same load. Each repetition records
/// wall time, process CPU time (all threads, user + system; less sensitive to time spent
/// descheduled) and minor page faults. The report gives medians per side and the median of the per-repetition ratios
/// (BrainGen rep r / PyTorch rep r, the two measured back to back).
///
/// Sizes: `small` (the bundle's structure at about 1/8 width on 8x12x8 latents) and `bundle` (the
/// brain-LDM bundle's own networks on its 20x28x20 latents, decoding to 160x224x160; random weights,
/// speed does not depend on them). The steps run first, then both sides drop the UNet (2.2 GB at
/// bundle size) before the decodes, so that both processes together stay well inside the RAM; the
/// peak RSS of each process per phase is printed (one bundle decode peaks at ~10.7 GB on either side).
///
/// Options: --size small|bundle, --threads N, --reps R (step reps), --decode-reps R (default: R),
/// --iters I (each rep is the median of I calls), --warmup W (untimed calls per case and side before
/// the reps, default 2: .NET compiles hot methods again, optimized, only after ~30 calls and a
/// short delay, so one call is not a steady state), --generative PATHS (PYTHONPATH for MONAI 1.3 and
/// GenerativeModels sources), --latent DxHxW (other latent sizes for the chosen networks),
/// --python PATH (default /usr/bin/python3, which has torch 1.13.1). Results: docs/performance.md.
/// </summary>
public static class LdmBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // Minor page faults are recorded because on this VM they set much of a decode's cost: a first touch
    // of a 4 KiB page costs ~15 µs, and how many pages a decode touches fresh depends on the state of
    // glibc's heap in that process (it reuses freed memory or maps new), which differs from process to
    // process and persists for a whole run.
    private readonly record struct Sample(double Wall, double Cpu, long Faults);

    public static int Run(string[] args)
    {
        string size = "small", python = "/usr/bin/python3";
        string generative = Environment.GetEnvironmentVariable("BRAINGEN_GENERATIVE_PATH") ?? "";
        int threads = Environment.ProcessorCount, reps = 3, iters = 1, warmup = 2;
        int? decodeReps = null;
        long[]? latentOverride = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--size": size = Next(); break;
                case "--threads": threads = int.Parse(Next(), Inv); break;
                case "--reps": reps = int.Parse(Next(), Inv); break;
                case "--decode-reps": decodeReps = int.Parse(Next(), Inv); break;
                case "--iters": iters = int.Parse(Next(), Inv); break;
                case "--warmup": warmup = int.Parse(Next(), Inv); break;
                case "--generative": generative = Next(); break;
                case "--python": python = Next(); break;
                case "--latent": latentOverride = Next().Split('x').Select(v => long.Parse(v, Inv)).ToArray(); break;
                default:
                    Console.Error.WriteLine($"ldm: unknown option {args[i]}");
                    return 2;
            }
        }
        if (generative.Length == 0)
        {
            Console.Error.WriteLine("ldm: set --generative (or BRAINGEN_GENERATIVE_PATH) to a PYTHONPATH holding MONAI 1.3 and GenerativeModels sources");
            return 2;
        }
        // warmLatent: what the decode warm-up decodes. At bundle size one decode takes many minutes and
        // the warm-up only has to cover one-time costs (JIT, first calls into libtorch), which do not
        // depend on the size; the big buffers are fresh memory on every decode anyway (glibc serves
        // allocations this large with new mmaps), so a full-size warm-up would change nothing.
        var (ae, unet, latentShape, warmLatent) = size switch
        {
            "bundle" => (AutoencoderKLConfig.BrainLdmBundle, DiffusionUNetConfig.BrainLdm, new long[] { 1, 3, 20, 28, 20 }, new long[] { 1, 3, 4, 4, 4 }),
            "small" => (AutoencoderKLConfig.BrainLdmBundle with { Channels = [8, 16, 16, 16], NormNumGroups = 8 },
                        DiffusionUNetConfig.BrainLdm with { NumChannels = [32, 64, 96], NumHeadChannels = [0, 64, 96], NormNumGroups = 8 },
                        new long[] { 1, 3, 8, 12, 8 }, new long[] { 1, 3, 8, 12, 8 }),
            _ => throw new ArgumentException($"--size {size}: small or bundle"),
        };
        if (latentOverride is { Length: 3 }) latentShape = [1, 3, .. latentOverride];
        var counts = new Dictionary<string, int> { ["step"] = reps, ["decode"] = decodeReps ?? reps };

        // libtorch's OpenMP thread count is per calling thread: set and read it back on this thread,
        // which is the one that runs every BrainGen op below.
        Torch.NumThreads = threads;
        using var noGrad = Torch.NoGrad();
        using var ours = new Ours(ae, unet, latentShape, warmLatent);
        using var theirs = new Peer(python, generative, PythonConfig(ae, unet, latentShape, warmLatent, threads, iters));
        int pyThreads = theirs.Info.GetProperty("threads").GetInt32();
        Console.WriteLine($"ldm ({size}): {EngineBench.CpuModel()}; libtorch {Torch.Version} ({Torch.NumThreads} threads) vs " +
                          $"PyTorch {theirs.Info.GetProperty("torch").GetString()} ({pyThreads} threads); latents {string.Join("x", latentShape)}; " +
                          $"reps step {counts["step"]}, decode {counts["decode"]}, each the median of {iters} call(s) after {warmup} warm-up(s); load average {LoadAverage()}");
        if (pyThreads != Torch.NumThreads)
            throw new InvalidOperationException($"PyTorch runs {pyThreads} intra-op threads, BrainGen {Torch.NumThreads}");

        var results = new Dictionary<string, (Sample[] Ours, Sample[] Theirs)>();
        var peaks = new Dictionary<string, (double Ours, double Theirs)>();
        int[] pids = [Environment.ProcessId, theirs.Pid];
        foreach (var name in new[] { "step", "decode" })
        {
            if (name == "decode")
            {
                ours.FreeUnet();
                theirs.Send("free unet");
            }
            // Peak resident memory per phase: the kernel's high-water mark (VmHWM), reset here.
            foreach (var pid in pids) ResetPeakRss(pid);
            if (counts[name] == 0) continue;
            for (int w = 0; w < warmup; w++)
            {
                ours.Warmup(name);
                theirs.Send($"warmup {name}");
            }
            var a = new Sample[counts[name]];
            var b = new Sample[counts[name]];
            for (int r = 0; r < a.Length; r++)
            {
                if (r % 2 == 0) { a[r] = Measure(() => ours.Run(name), iters); b[r] = theirs.Rep(name); }
                else { b[r] = theirs.Rep(name); a[r] = Measure(() => ours.Run(name), iters); }
                Console.WriteLine($"  {name} rep {r}: BrainGen {a[r].Wall:F3} s wall {a[r].Cpu:F3} s CPU {a[r].Faults} faults | " +
                                  $"PyTorch {b[r].Wall:F3} s wall {b[r].Cpu:F3} s CPU {b[r].Faults} faults | load {LoadAverage()}");
            }
            results[name] = (a, b);
            peaks[name] = (PeakRss(pids[0]), PeakRss(pids[1]));
        }

        Console.WriteLine($"load average at end {LoadAverage()}; peak RSS (GB) BrainGen / PyTorch: " +
                          string.Join(", ", peaks.Select(p => $"{p.Key} {p.Value.Ours:F2} / {p.Value.Theirs:F2}")));
        Console.WriteLine();
        Console.WriteLine("| case | reps | BrainGen wall s | PyTorch wall s | ratio of medians | median paired ratio | BrainGen CPU s | PyTorch CPU s | CPU ratio of medians | CPU median paired ratio | page faults BrainGen / PyTorch |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, (a, b)) in results)
        {
            double Med(Sample[] s, Func<Sample, double> f) => Stats.MedianOf(s.Select(f));
            double Paired(Func<Sample, double> f) => Stats.MedianOf(a.Zip(b, (x, y) => f(x) / f(y)));
            string label = name == "step" ? "DDIM step (UNet + scheduler)" : $"decode ({string.Join("x", latentShape[2..])} latents)";
            Console.WriteLine($"| {label} | {a.Length} | {Med(a, s => s.Wall):F3} | {Med(b, s => s.Wall):F3} | {Med(a, s => s.Wall) / Med(b, s => s.Wall):F2} | " +
                              $"{Paired(s => s.Wall):F2} | {Med(a, s => s.Cpu):F3} | {Med(b, s => s.Cpu):F3} | {Med(a, s => s.Cpu) / Med(b, s => s.Cpu):F2} | {Paired(s => s.Cpu):F2} | " +
                              $"{Med(a, s => s.Faults):F0} / {Med(b, s => s.Faults):F0} |");
        }
        return 0;
    }

    /// <summary>Median wall time, process CPU time and minor page faults of <paramref name="iters"/> calls.</summary>
    private static Sample Measure(Action action, int iters)
    {
        using var self = Process.GetCurrentProcess();
        var walls = new double[iters];
        var cpus = new double[iters];
        var faults = new double[iters];
        for (int i = 0; i < iters; i++)
        {
            var cpu0 = self.TotalProcessorTime;  // read afresh from /proc on every access
            long faults0 = MinorFaults(Environment.ProcessId);
            var clock = Stopwatch.StartNew();
            action();
            walls[i] = clock.Elapsed.TotalSeconds;
            cpus[i] = (self.TotalProcessorTime - cpu0).TotalSeconds;
            faults[i] = MinorFaults(Environment.ProcessId) - faults0;
        }
        return new(Stats.MedianOf(walls), Stats.MedianOf(cpus), (long)Stats.MedianOf(faults));
    }

    private static Dictionary<string, object> PythonConfig(AutoencoderKLConfig ae, DiffusionUNetConfig unet, long[] latentShape, long[] warmLatent,
                                                           int threads, int iters) => new()
    {
        ["autoencoder"] = new Dictionary<string, object>
        {
            ["spatial_dims"] = 3, ["in_channels"] = 1, ["out_channels"] = 1, ["latent_channels"] = ae.LatentChannels,
            ["num_channels"] = ae.Channels, ["num_res_blocks"] = ae.NumResBlocks, ["norm_num_groups"] = ae.NormNumGroups,
            ["norm_eps"] = ae.NormEps, ["attention_levels"] = ae.AttentionLevels,
            ["with_encoder_nonlocal_attn"] = false, ["with_decoder_nonlocal_attn"] = false,
        },
        ["unet"] = new Dictionary<string, object?>
        {
            ["spatial_dims"] = 3, ["in_channels"] = unet.InChannels, ["out_channels"] = unet.OutChannels, ["num_channels"] = unet.NumChannels,
            ["num_res_blocks"] = unet.NumResBlocks[0], ["attention_levels"] = unet.AttentionLevels, ["norm_num_groups"] = unet.NormNumGroups,
            ["norm_eps"] = unet.NormEps, ["resblock_updown"] = unet.ResblockUpdown, ["num_head_channels"] = unet.NumHeadChannels,
            ["with_conditioning"] = unet.WithConditioning, ["transformer_num_layers"] = unet.TransformerNumLayers,
            ["cross_attention_dim"] = unet.CrossAttentionDim, ["upcast_attention"] = unet.UpcastAttention,
        },
        ["latent_shape"] = latentShape,
        ["warmup_latent_shape"] = warmLatent,
        ["threads"] = threads,
        ["iters"] = iters,
    };

    /// <summary>Minor page faults of a process so far (/proc/PID/stat field 10).</summary>
    private static long MinorFaults(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[7], Inv);
    }

    private static void ResetPeakRss(int pid) => File.WriteAllText($"/proc/{pid}/clear_refs", "5");

    /// <summary>VmHWM of a process in GB: its peak resident memory since start or the last <see cref="ResetPeakRss"/>.</summary>
    private static double PeakRss(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
                       .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[1], Inv) * 1024 / 1e9;  // "VmHWM:\t  123 kB"; tab, then padding

    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "?"; }
    }

    /// <summary>The BrainGen side: the same networks and inputs as ldm_bench.py.</summary>
    private sealed class Ours : IDisposable
    {
        private readonly AutoencoderKL _ae;
        private DiffusionUNet? _unet;
        private readonly DDIMScheduler _ddim;
        private readonly Tensor _latent, _warmLatent, _input, _context, _t;

        public Ours(AutoencoderKLConfig ae, DiffusionUNetConfig unet, long[] latentShape, long[] warmLatent)
        {
            _ae = new AutoencoderKL(ae);
            _unet = new DiffusionUNet(unet);
            _ae.Eval();
            _unet.Eval();
            _ddim = new DDIMScheduler(SchedulerConfig.BrainLdm.NoiseSchedule(), clipSample: false);
            _ddim.SetTimesteps(50);
            using var g = new Generator(0);
            _latent = Tensor.Randn(latentShape, g);
            _warmLatent = Tensor.Randn(warmLatent, g);
            using var rows = Tensor.Rand([1, 4], g);
            using var broadcast = rows.Reshape(1, 4, 1, 1, 1).Expand([1, 4, .. latentShape[2..]]);
            _input = Tensor.Cat([_latent, broadcast], 1);
            _context = rows.Unsqueeze(1);
            _t = Tensor.Full([1], _ddim.Timesteps[0]);
        }

        public void Warmup(string name)
        {
            if (name == "step") Run(name);
            else Decode(_warmLatent);
        }

        // Every tensor made during a call, outputs included, is freed when the call ends.
        public void Run(string name)
        {
            if (name == "step")
            {
                using var scope = Torch.NewDisposeScope();
                _ddim.Step(_unet!.Forward(_input, _t, _context), 0, _latent);
            }
            else Decode(_latent);
        }

        private void Decode(Tensor z)
        {
            using var scope = Torch.NewDisposeScope();
            _ae.Decode(z);
        }

        public void FreeUnet()
        {
            _unet?.Dispose();
            _unet = null;
        }

        public void Dispose()
        {
            FreeUnet();
            _ae.Dispose();
            foreach (var t in new[] { _latent, _warmLatent, _input, _context, _t }) t.Dispose();
        }
    }

    /// <summary>bench/python/ldm_bench.py, one process for the whole run, one command per line.</summary>
    private sealed class Peer : IDisposable
    {
        private readonly Process _process;

        public Peer(string python, string pythonPath, Dictionary<string, object> config)
        {
            var start = new ProcessStartInfo(python) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add(EngineBench.FindScript("ldm_bench.py"));
            start.ArgumentList.Add(JsonSerializer.Serialize(config));
            start.Environment["PYTHONPATH"] = pythonPath;
            _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {python}");
            Info = Read();  // sent once the models are built
        }

        public JsonElement Info { get; }

        public int Pid => _process.Id;

        public Sample Rep(string name)
        {
            var reply = Send($"rep {name}");
            return new(reply.GetProperty("wall").GetDouble(), reply.GetProperty("cpu").GetDouble(), reply.GetProperty("faults").GetInt64());
        }

        public JsonElement Send(string line)
        {
            _process.StandardInput.WriteLine(line);
            _process.StandardInput.Flush();
            return Read();
        }

        private JsonElement Read()
        {
            var line = _process.StandardOutput.ReadLine()
                       ?? throw new InvalidOperationException($"ldm_bench.py exited ({(_process.WaitForExit(5000) ? _process.ExitCode : -1)}); see its stderr above");
            return JsonDocument.Parse(line).RootElement.Clone();
        }

        public void Dispose()
        {
            try { _process.StandardInput.WriteLine("quit"); _process.StandardInput.Close(); } catch (IOException) { }
            _process.WaitForExit(10000);
            _process.Dispose();
        }
    }
}
