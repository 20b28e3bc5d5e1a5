using System.Globalization;
using BrainGen.Models.Tokenizers;
using BrainGen.Models.Denoisers;
using BrainGen.Pipelines.Generation;
using BrainGen.Torch;

namespace BrainGen.Pipelines.Training;

/// <summary>
/// The memory a run will need, by part, worked out from its configs before anything is allocated,
/// so a config that cannot fit is refused with the estimate and what the machine has instead of
/// being killed by the kernel hours (or gigabytes) later. float32 throughout (bf16 autocast only
/// lowers it). Training: weights, gradients, Adam's two moments, the EMA copy, and for one batch
/// the activations autograd keeps (<see cref="NetworkFootprint"/>) plus the backward pass's largest
/// transient gradients; generation: weights and the largest inference step. The estimate is an
/// upper-ish bound: docs/training.md records how it compares with measured peak memory.
/// </summary>
public sealed record MemoryEstimate(string What, IReadOnlyList<(string Part, long Bytes)> Parts)
{
    private const long Float = 4;

    /// <summary>The .NET runtime and libtorch themselves: the peak RSS of a two-step run of a tiny model (16³ voxels, channels [8, 16]) was 288 MB (docs/training.md).</summary>
    public const long EngineBytes = 300L << 20;

    /// <summary>
    /// Peak memory over the kept activations during the backward pass (their gradients, oneDNN's
    /// reorder buffers, the allocator's slack): measured peak RSS less <see cref="EngineBytes"/> was
    /// 1.28 and 1.31 times the kept activations on two 32³/48³ configs (docs/training.md).
    /// </summary>
    public const double BackwardOverhead = 1.5;

    public long Total => Parts.Aggregate(0L, (sum, p) => Saturating(sum, p.Bytes));

    /// <summary>Stage 1: the autoencoder and, when the adversarial loss is on, the PatchGAN discriminator.</summary>
    public static MemoryEstimate AutoencoderTraining(AutoencoderRunConfig config)
    {
        var ae = config.Model.ToModelConfig();
        var shape = config.Data.Preprocessing.Shape;
        var net = NetworkFootprint.Autoencoder(ae, shape);
        long batch = config.Training.BatchSize;
        var parts = TrainingParts(net, batch, config.Training.EmaDecay > 0);
        if (config.Loss.AdversarialWeight > 0)
        {
            var d = Discriminator(config.Loss.Discriminator, shape);
            // Weights, gradients and Adam state; the generator's pass and the discriminator's two passes (fake, real) keep their activations.
            parts.Add(("discriminator", Saturating(Float * 4 * d.Parameters, Float * 3 * batch * d.Activations)));
        }
        parts.Add(("engine and runtime", EngineBytes));
        return new MemoryEstimate("training the autoencoder", parts);
    }

    /// <summary>Stage 2: the denoiser (<see cref="NetworkFootprint.UNet"/> or <see cref="NetworkFootprint.Dit"/>) on latents of <paramref name="latentShape"/> (channels first), with the autoencoder loaded and the latent cache of <paramref name="images"/> images.</summary>
    public static MemoryEstimate DiffusionTraining(DiffusionRunConfig config, NetworkFootprint net, AutoencoderKLConfig autoencoder,
                                                   IReadOnlyList<int> imageShape, IReadOnlyList<long> latentShape, int images)
    {
        var parts = TrainingParts(net, config.Training.BatchSize, config.Training.EmaDecay > 0);
        var ae = NetworkFootprint.Autoencoder(autoencoder, imageShape);
        long latent = latentShape.Aggregate(1L, (a, n) => Saturating(a, n, multiply: true));
        parts.Add(("autoencoder", Saturating(Float * ae.Parameters, Float * Saturating(ae.InferencePeak, ae.LargestUnfold))));
        parts.Add(("latent cache", Float * 2 * Saturating(latent, images, multiply: true)));  // mean and sigma per image
        parts.Add(("engine and runtime", EngineBytes));
        return new MemoryEstimate("training the diffusion model", parts);
    }

    /// <summary>Sampling <paramref name="batch"/> subjects at once (twice that with classifier-free guidance) and decoding them one by one.</summary>
    public static MemoryEstimate Generation(LatentDiffusionModelConfig model, int batch, bool guided)
    {
        var factor = model.Autoencoder.DownsamplingFactor;
        var latent = model.Image.Shape.Select(n => (long)Math.Max(1, n / factor)).ToArray();
        var ae = NetworkFootprint.Autoencoder(model.Autoencoder, model.Image.Shape);
        long rows = batch * (guided ? 2L : 1L);
        // Without autograd a pass holds its largest input/output pair, plus the UNet's skip features (at most all its activations at once);
        // a DiT's blocks hand on only the token sequence.
        var (unet, skips) = model.UNet is { } u
            ? (NetworkFootprint.UNet(u, latent), (long)u.Levels * 2)
            : (NetworkFootprint.Dit(model.Dit ?? throw new InvalidOperationException("the model has no denoiser config")), 0L);
        long sampling = Saturating(Float * rows, Saturating(unet.InferencePeak, Math.Min(unet.TrainingActivations, unet.InferencePeak * skips)), multiply: true);
        var parts = new List<(string, long)>
        {
            ("weights", Float * Saturating(unet.Parameters, ae.Parameters)),
            ("sampling", sampling),
            ("convolution workspace", Float * unet.LargestUnfold),
            ("decoding", Saturating(Float * Saturating(ae.InferencePeak, ae.LargestUnfold), Float * 2L * model.Image.Shape.Aggregate(1L, (a, n) => a * n))),
            ("engine and runtime", EngineBytes),
        };
        return new MemoryEstimate("generating", parts);
    }

    /// <summary>Throws <see cref="InsufficientMemoryException"/> with the estimate and what the machine has when it cannot fit; BRAINGEN_SKIP_MEMORY_CHECK=1 turns the check off.</summary>
    public void EnsureFits(AvailableMemory available, string source, string advice)
    {
        if (Environment.GetEnvironmentVariable("BRAINGEN_SKIP_MEMORY_CHECK") == "1") return;
        if (available.Bytes is not { } bytes || Total <= bytes) return;
        throw new InsufficientMemoryException($"{source}: {What} needs about {this} but {available}: {advice} (BRAINGEN_SKIP_MEMORY_CHECK=1 runs it anyway)");
    }

    /// <summary>"24.3 GB (weights 1.8 GB, gradients 1.8 GB, ...)".</summary>
    public override string ToString() =>
        $"{Format(Total)} ({string.Join(", ", Parts.Where(p => p.Bytes > 0).Select(p => $"{p.Part} {Format(p.Bytes)}"))})";

    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 40 => (bytes / (double)(1L << 40)).ToString("0.#", CultureInfo.InvariantCulture) + " TB",
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.#", CultureInfo.InvariantCulture) + " GB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0", CultureInfo.InvariantCulture) + " MB",
        _ => "under 1 MB",
    };

    private static List<(string, long)> TrainingParts(NetworkFootprint net, long batch, bool ema) =>
    [
        ("weights", Float * net.Parameters),
        ("gradients", Float * net.Parameters),
        ("Adam state", Float * 2 * net.Parameters),
        ("EMA weights", ema ? Float * net.Parameters : 0),
        // Kept activations, plus the backward pass's gradient of the largest one and its input's.
        ("activations", Saturating((long)(Float * BackwardOverhead), Saturating(batch, Saturating(net.TrainingActivations, 2 * net.LargestActivation), multiply: true), multiply: true)),
        // ATen's native convolutions unfold their input into a column buffer; with oneDNN off, one
        // sample's largest one was the whole gap between the estimate and the peak (docs/training.md).
        ("convolution workspace", Float * net.LargestUnfold),
    ];

    // MONAI's PatchDiscriminator: kernel 4; stride 2 but for the last layer; channels double per layer.
    private static (long Parameters, long Activations) Discriminator(DiscriminatorConfig d, IReadOnlyList<int> shape)
    {
        int dims = shape.Count;
        double kernel = Math.Pow(4, dims), parameters = 0, activations = 0;
        var voxels = shape.Aggregate(1.0, (a, n) => a * n);
        long input = 1, output = d.Channels;
        for (int l = 0; l <= d.Layers + 1; l++)
        {
            if (l == d.Layers + 1) output = 1;
            bool strided = l < d.Layers;
            if (strided) voxels /= Math.Pow(2, dims);
            parameters += input * (double)output * kernel + 2 * output;
            activations += 3 * output * voxels;  // convolution, norm, LeakyReLU
            (input, output) = (output, output * 2);
        }
        return (Clamp(parameters), Clamp(activations));
    }

    private static long Clamp(double n) => n >= long.MaxValue / 16 ? long.MaxValue / 16 : (long)Math.Ceiling(n);

    private static long Saturating(long a, long b, bool multiply = false)
    {
        const long cap = long.MaxValue / 16;
        if (multiply) return a != 0 && b > cap / Math.Max(1, a) ? cap : Math.Min(cap, a * b);
        return Math.Min(cap, a + b);
    }
}
