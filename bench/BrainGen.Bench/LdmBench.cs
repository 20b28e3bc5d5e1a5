using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BrainGen.Models.Autoencoders;
using BrainGen.Models.Diffusion;
using BrainGen.Models.Schedulers;
using BrainGen.Torch;
using Spectre.Console;

namespace BrainGen.Bench;

using Torch = BrainGen.Torch.Torch;

/// <summary>
/// `ldm` suite: one DDIM step (UNet forward on latents + 4 condition channels with a 4-d
/// cross-attention context, then the scheduler step) and one autoencoder decode, BrainGen vs
/// PyTorch + MONAI Generative (bench/python/ldm_bench.py) on the same machine and thread count.
/// Sizes: `small` (a 1/8-width replica of the brain-LDM bundle on 8x12x8 latents) and `bundle`
/// (the bundle's own networks on its 20x28x20 latents; random weights, speed does not depend on them).
/// Options: --size small|bundle, --threads N, --reps R, --iters I, --generative PATHS (PYTHONPATH for
/// MONAI 1.3 + GenerativeModels sources).
/// </summary>
public static class LdmBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Run(string[] args)
    {
        string size = "small", generative = Environment.GetEnvironmentVariable("BRAINGEN_GENERATIVE_PATH") ?? "";
        int threads = Environment.ProcessorCount, reps = 3, iters = 1;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--size": size = Next(); break;
                case "--threads": threads = int.Parse(Next(), Inv); break;
                case "--reps": reps = int.Parse(Next(), Inv); break;
                case "--iters": iters = int.Parse(Next(), Inv); break;
                case "--generative": generative = Next(); break;
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
        var (ae, unet, latentShape) = size switch
        {
            "bundle" => (AutoencoderKLConfig.BrainLdmBundle, DiffusionUNetConfig.BrainLdm, new long[] { 1, 3, 20, 28, 20 }),
            "small" => (AutoencoderKLConfig.BrainLdmBundle with { Channels = [8, 16, 16, 16], NormNumGroups = 8 },
                        DiffusionUNetConfig.BrainLdm with { NumChannels = [32, 64, 96], NumHeadChannels = [0, 64, 96], NormNumGroups = 8 },
                        new long[] { 1, 3, 8, 12, 8 }),
            _ => throw new ArgumentException($"--size {size}: small or bundle"),
        };
        Torch.NumThreads = threads;
        AnsiConsole.MarkupLine($"[bold]ldm[/] ({size}): libtorch {Torch.Version}, {threads} threads; latents {string.Join("x", latentShape)}, {reps} reps x median of {iters}");

        var ours = MeasureOurs(ae, unet, latentShape, reps, iters);
        var theirs = MeasureTheirs(ae, unet, latentShape, threads, reps, iters, generative);
        var table = new Table().AddColumns("case", "BrainGen median s", "PyTorch+MONAI median s", "BrainGen / PyTorch");
        foreach (var name in new[] { "step", "decode" })
        {
            double a = Median(ours[name]), b = Median(theirs[name]);
            table.AddRow(name == "step" ? "DDIM step (UNet + scheduler)" : "decode", a.ToString("F3", Inv), b.ToString("F3", Inv), (a / b).ToString("F2", Inv));
        }
        AnsiConsole.Write(table);
        return 0;
    }

    private static Dictionary<string, double[]> MeasureOurs(AutoencoderKLConfig aeConfig, DiffusionUNetConfig unetConfig, long[] latentShape, int reps, int iters)
    {
        using var noGrad = Torch.NoGrad();
        using var ae = new AutoencoderKL(aeConfig);
        using var unet = new DiffusionUNet(unetConfig);
        ae.Eval();
        unet.Eval();
        var ddim = new DDIMScheduler(SchedulerConfig.BrainLdm.NoiseSchedule(), clipSample: false);
        ddim.SetTimesteps(50);
        using var g = new Generator(0);
        using var latent = Tensor.Randn(latentShape, g);
        using var rows = Tensor.Rand([1, 4], g);
        using var input = Tensor.Cat([latent, rows.Reshape(1, 4, 1, 1, 1).Expand([1, 4, .. latentShape[2..]])], 1);
        using var context = rows.Unsqueeze(1);
        using var t = Tensor.Full([1], ddim.Timesteps[0]);

        void Step()
        {
            using var scope = Torch.NewDisposeScope();
            ddim.Step(unet.Forward(input, t, context), 0, latent);
        }

        void Decode()
        {
            using var scope = Torch.NewDisposeScope();
            ae.Decode(latent);
        }

        Step();
        Decode();
        var result = new Dictionary<string, double[]> { ["step"] = new double[reps], ["decode"] = new double[reps] };
        for (int r = 0; r < reps; r++)
        {
            result["step"][r] = Timed(Step, iters);
            result["decode"][r] = Timed(Decode, iters);
        }
        return result;
    }

    private static Dictionary<string, double[]> MeasureTheirs(AutoencoderKLConfig ae, DiffusionUNetConfig unet, long[] latentShape, int threads,
                                                              int reps, int iters, string pythonPath)
    {
        var config = new Dictionary<string, object>
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
        };
        var script = EngineBench.FindScript("ldm_bench.py");
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, "--config", JsonSerializer.Serialize(config), "--threads", threads.ToString(Inv),
                                  "--reps", reps.ToString(Inv), "--iters", iters.ToString(Inv) })
            start.ArgumentList.Add(a);
        start.Environment["PYTHONPATH"] = pythonPath;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start /usr/bin/python3");
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"ldm_bench.py failed ({process.ExitCode}): {stderr}");
        using var doc = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        if (doc.RootElement.GetProperty("threads").GetInt32() != threads)
            throw new InvalidOperationException($"PyTorch runs {doc.RootElement.GetProperty("threads")} threads, BrainGen {threads}");
        return new Dictionary<string, double[]>
        {
            ["step"] = doc.RootElement.GetProperty("step").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
            ["decode"] = doc.RootElement.GetProperty("decode").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
        };
    }

    private static double Timed(Action action, int iters)
    {
        var times = new double[iters];
        for (int i = 0; i < iters; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times[i] = clock.Elapsed.TotalSeconds;
        }
        return Median(times);
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
