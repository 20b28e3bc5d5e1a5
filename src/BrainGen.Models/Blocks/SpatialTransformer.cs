using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Blocks;

/// <summary>
/// GM's <c>SpatialTransformer</c>: GroupNorm, 1×1 conv in, the voxels as a token sequence through
/// <see cref="BasicTransformerBlock"/>s, 1×1 conv out (zero-initialised in GM), residual. 2D or 3D.
/// Keys: <c>norm</c>, <c>proj_in.conv</c>, <c>transformer_blocks.i</c>, <c>proj_out.conv</c>.
/// </summary>
public sealed class SpatialTransformer : Module
{
    public SpatialTransformer(int spatialDims, long channels, long headChannels, int numLayers, long? crossAttentionDim,
                              long normGroups, double normEps, bool upcastAttention = false, double dropout = 0)
    {
        if (headChannels < 1 || channels % headChannels != 0)
            throw new ArgumentException($"a spatial transformer over {channels} channels needs num_head_channels dividing it (got {headChannels})");
        long heads = channels / headChannels;
        Norm = RegisterModule("norm", new GroupNorm(normGroups, channels, normEps));
        ProjIn = RegisterModule("proj_in", new Convolution(spatialDims, channels, channels, kernelSize: 1));
        TransformerBlocks = RegisterModule("transformer_blocks", new ModuleList<BasicTransformerBlock>(
            Enumerable.Range(0, numLayers).Select(_ =>
                new BasicTransformerBlock(channels, heads, headChannels, crossAttentionDim, upcastAttention, dropout))));
        ProjOut = RegisterModule("proj_out", new Convolution(spatialDims, channels, channels, kernelSize: 1));
    }

    public GroupNorm Norm { get; }
    public Convolution ProjIn { get; }
    public ModuleList<BasicTransformerBlock> TransformerBlocks { get; }
    public Convolution ProjOut { get; }

    // x (B, C, *S), context (B, M, cross_attention_dim) or null -> (B, C, *S)
    public Tensor Forward(Tensor x, Tensor? context = null)
    {
        using var scope = NewDisposeScope();
        var shape = x.Shape;
        long b = shape[0], c = shape[1];
        int spatial = shape.Length - 2;
        var h = ProjIn.Forward(Norm.Forward(x));
        // (B, C, *S) -> (B, *S, C) -> (B, N, C)
        long[] toLast = [0, .. Enumerable.Range(2, spatial).Select(i => (long)i), 1];
        h = h.Permute(toLast).Reshape(b, -1, c);
        foreach (var block in TransformerBlocks) h = block.Forward(h, context);
        // (B, N, C) -> (B, *S, C) -> (B, C, *S)
        long[] toFirst = [0, spatial + 1, .. Enumerable.Range(1, spatial).Select(i => (long)i)];
        h = h.Reshape([b, .. shape[2..], c]).Permute(toFirst).Contiguous();
        return (ProjOut.Forward(h) + x).MoveToOuterScope();
    }
}
