using BrainGen.Models.Blocks;
using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Tokenizers;

/// <summary>How <see cref="AutoencoderKL.Decode(Tensor, SlabDecodeOptions)"/> cuts the volume.</summary>
/// <param name="Axis">Spatial axis to cut along (0 = the first spatial dim, D of (B, C, D, H, W)).</param>
/// <param name="LatentSlabSize">Latent rows per slab; each slab is this × 2^(levels-1) rows at full resolution.</param>
public sealed record SlabDecodeOptions(int Axis = 0, int LatentSlabSize = 2);

/// <summary>
/// Runs the decoder layer by layer with every activation kept as a list of slabs along one axis, so the
/// full-resolution activations are never held more than about twice (input slabs are freed as output slabs
/// are made). This is not the usual overlapping-tile sliding window: GroupNorm normalizes with statistics of
/// the whole volume, which a tile cannot know, so tiles never match the full decode however wide the overlap.
/// Here each GroupNorm first gathers exact whole-volume statistics (per-slab mean/variance merged in double,
/// Chan et al.), and each 3×3 convolution reads a one-row halo from the neighbouring slabs (the overlap is
/// exactly the receptive field of one layer), so the result equals the full decode up to float rounding
/// everywhere, seams included. Blocks that mix all positions (attention, transposed-convolution upsampling;
/// none in the brain-LDM bundle) run on the whole tensor, which is fine at the low resolutions they sit at.
/// Bundle decoder (20×28×20 -> 160×224×160): the largest activation is 128 channels at full resolution (2.9 GB
/// fp32); peak is about one such activation plus a few slabs. Measured (libtorch 1.13 CPU, LatentSlabSize 2, axis 0):
/// 5.2 GB peak RSS of the whole test process for 1×3×20×28×20 -> 1×1×160×224×160.
/// </summary>
public sealed class SlabDecoder(AutoencoderKLDecoder decoder, SlabDecodeOptions options)
{
    private readonly int _dim = 2 + options.Axis;

    // (B, latent, *S/f) -> (B, Cout, *S); the input is not consumed.
    public Tensor Forward(Tensor z)
    {
        if (options.Axis < 0 || options.Axis >= z.Dim - 2) throw new ArgumentOutOfRangeException(nameof(options), $"axis {options.Axis} of a {z.Dim - 2}-d volume");
        if (options.LatentSlabSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "LatentSlabSize must be at least 1");
        var slabs = Split(z, options.LatentSlabSize);
        try
        {
            foreach (var block in decoder.Blocks)
                slabs = block switch
                {
                    Convolution conv => Convolve(slabs, conv.Forward, halo: conv.Conv.Weight.Size(2) / 2),
                    GroupNorm norm => Normalize(slabs, norm),
                    AutoencoderResBlock res => ResBlock(slabs, res),
                    AutoencoderUpsample { Conv: { } conv } up => Convolve(slabs, conv.Forward, halo: 1, prepare: up.Interpolate, scale: 2),
                    _ => Whole(slabs, block),
                };
            return Tensor.Cat(slabs.ToArray(), _dim);
        }
        finally
        {
            foreach (var s in slabs) s.Dispose();
        }
    }

    private List<Tensor> Split(Tensor t, long size)
    {
        var result = new List<Tensor>();
        for (long start = 0, n = t.Size(_dim); start < n; start += size)
            using (var view = t.Narrow(_dim, start, Math.Min(size, n - start)))
                result.Add(view.Contiguous().DetachFromScope());
        return result;
    }

    /// <summary>Slab i of f(input) where f is a stride-1 same-padded op with the given halo, optionally after a local ×scale upsampling.</summary>
    private List<Tensor> Convolve(List<Tensor> input, Func<Tensor, Tensor> op, long halo, Func<Tensor, Tensor>? prepare = null, long scale = 1)
    {
        var output = new List<Tensor>();
        for (int i = 0; i < input.Count; i++)
        {
            using (var scope = NewDisposeScope())
            {
                var (slab, left, right) = Gather(input, i, halo == 0 ? 0 : 1);
                if (prepare is not null) slab = prepare(slab);
                var y = op(slab);
                output.Add(Crop(y, left * scale, right * scale).MoveToOuterScope().DetachFromScope());
            }
            if (i > 0) input[i - 1].Dispose();  // slab i+1 needs rows of i and i+2 only
        }
        input[^1].Dispose();
        return output;
    }

    private List<Tensor> ResBlock(List<Tensor> x, AutoencoderResBlock res)
    {
        // pass 1: h = conv1(silu(norm1(x))), shortcut = nin(x) or x
        var stats1 = Stats(x, res.Norm1);
        var h = new List<Tensor>();
        var shortcut = new List<Tensor>();
        for (int i = 0; i < x.Count; i++)
        {
            using (var scope = NewDisposeScope())
            {
                var (slab, left, right) = Gather(x, i, 1);
                var a = Functional.Silu(Normalize(slab, stats1, res.Norm1));
                h.Add(Crop(res.Conv1.Forward(a), left, right).MoveToOuterScope().DetachFromScope());
                shortcut.Add(res.NinShortcut is null ? x[i] : res.NinShortcut.Forward(x[i]).MoveToOuterScope().DetachFromScope());
            }
            if (res.NinShortcut is not null && i > 0) x[i - 1].Dispose();
        }
        if (res.NinShortcut is not null) x[^1].Dispose();
        stats1.Mean.Dispose();
        stats1.Rstd.Dispose();

        // pass 2: out = shortcut + conv2(silu(norm2(h)))
        var stats2 = Stats(h, res.Norm2);
        var output = new List<Tensor>();
        for (int i = 0; i < h.Count; i++)
        {
            using (var scope = NewDisposeScope())
            {
                var (slab, left, right) = Gather(h, i, 1);
                var a = Functional.Silu(Normalize(slab, stats2, res.Norm2));
                output.Add((shortcut[i] + Crop(res.Conv2.Forward(a), left, right)).MoveToOuterScope().DetachFromScope());
            }
            shortcut[i].Dispose();
            if (i > 0) h[i - 1].Dispose();
        }
        h[^1].Dispose();
        stats2.Mean.Dispose();
        stats2.Rstd.Dispose();
        return output;
    }

    private static List<Tensor> Normalize(List<Tensor> input, GroupNorm norm)
    {
        var output = new List<Tensor>();
        var stats = Stats(input, norm);
        using (stats.Mean)
        using (stats.Rstd)
            for (int i = 0; i < input.Count; i++)
            {
                using (var scope = NewDisposeScope())
                {
                    output.Add(Normalize(input[i], stats, norm).MoveToOuterScope().DetachFromScope());
                }
                input[i].Dispose();
            }
        return output;
    }

    private List<Tensor> Whole(List<Tensor> input, Module<Tensor, Tensor> block)
    {
        long rows = input.Sum(s => s.Size(_dim));
        var sizes = input.Select(s => s.Size(_dim)).ToArray();
        using var full = Tensor.Cat(input.ToArray(), _dim).DetachFromScope();
        foreach (var s in input) s.Dispose();
        using var y = block.Forward(full).DetachFromScope();
        long scale = y.Size(_dim) / rows;  // 1, or 2 after a transposed-convolution upsampling
        var output = new List<Tensor>();
        long start = 0;
        foreach (long size in sizes)
        {
            using (var view = y.Narrow(_dim, start, size * scale)) output.Add(view.Contiguous().DetachFromScope());
            start += size * scale;
        }
        return output;
    }

    /// <summary>Whole-volume GroupNorm statistics, (B, G) mean and 1/sqrt(var + eps), merged from per-slab moments in double.</summary>
    private static (Tensor Mean, Tensor Rstd) Stats(List<Tensor> slabs, GroupNorm norm)
    {
        using var scope = NewDisposeScope();
        long batch = slabs[0].Size(0), groups = norm.NumGroups;
        Tensor? sum = null, m2 = null;
        long count = 0;
        var parts = new List<(Tensor Mean, Tensor Var, long Count)>();
        foreach (var s in slabs)
        {
            var g = s.Reshape(batch, groups, -1);  // (B, G, n)
            parts.Add((g.Mean(-1).To(DType.Float64), g.Var([-1], unbiased: false).To(DType.Float64), g.Size(2)));
            count += g.Size(2);
        }
        foreach (var p in parts) sum = sum is null ? p.Mean * (double)p.Count : sum + p.Mean * (double)p.Count;
        var mean = sum! / (double)count;
        foreach (var p in parts)
        {
            var term = p.Var * (double)p.Count + (p.Mean - mean).Square() * (double)p.Count;
            m2 = m2 is null ? term : m2 + term;
        }
        var rstd = (m2! / (double)count + norm.Eps).Rsqrt();
        var dtype = slabs[0].DType;
        return (mean.To(dtype).MoveToOuterScope().DetachFromScope(), rstd.To(dtype).MoveToOuterScope().DetachFromScope());
    }

    // (B, C, *S) normalized with given (B, G) statistics, then the GroupNorm affine.
    private static Tensor Normalize(Tensor x, (Tensor Mean, Tensor Rstd) stats, GroupNorm norm)
    {
        using var scope = NewDisposeScope();
        long[] shape = x.Shape;
        long batch = shape[0], channels = shape[1], groups = norm.NumGroups;
        var g = x.Reshape(batch, groups, -1);
        var y = ((g - stats.Mean.Unsqueeze(-1)) * stats.Rstd.Unsqueeze(-1)).Reshape(shape);
        if (norm.Weight is not null)
        {
            long[] affine = [1, channels, .. Enumerable.Repeat(1L, shape.Length - 2)];
            y = y * norm.Weight.Reshape(affine) + norm.Bias!.Reshape(affine);
        }
        return y.MoveToOuterScope();
    }

    /// <summary>Slab i with up to <paramref name="halo"/> rows of each neighbour; returns how many rows were added on each side.</summary>
    private (Tensor Slab, long Left, long Right) Gather(List<Tensor> slabs, int i, long halo)
    {
        if (halo == 0) return (slabs[i].Alias(), 0, 0);
        var parts = new List<Tensor>();
        long left = 0, right = 0;
        if (i > 0)
        {
            left = Math.Min(halo, slabs[i - 1].Size(_dim));
            parts.Add(slabs[i - 1].Narrow(_dim, slabs[i - 1].Size(_dim) - left, left));
        }
        parts.Add(slabs[i]);
        if (i < slabs.Count - 1)
        {
            right = Math.Min(halo, slabs[i + 1].Size(_dim));
            parts.Add(slabs[i + 1].Narrow(_dim, 0, right));
        }
        return (parts.Count == 1 ? slabs[i].Alias() : Tensor.Cat(parts.ToArray(), _dim), left, right);
    }

    private Tensor Crop(Tensor y, long left, long right) =>
        left == 0 && right == 0 ? y : y.Narrow(_dim, left, y.Size(_dim) - left - right).Contiguous();
}
