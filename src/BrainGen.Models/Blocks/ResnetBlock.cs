using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Blocks;

/// <summary>
/// GM's UNet <c>ResnetBlock</c>: GroupNorm–SiLU–conv, plus the projected time embedding, GroupNorm–SiLU–conv
/// (conv2 zero-initialised in GM), and a skip (1×1 conv when the channels change). With <c>up</c>/<c>down</c>
/// both the block input and the normalised hidden state are resampled (nearest ×2 / 2× average pool).
/// Keys: <c>norm1</c>, <c>conv1.conv</c>, <c>time_emb_proj</c>, <c>norm2</c>, <c>conv2.conv</c>, optional <c>skip_connection.conv</c>.
/// </summary>
public sealed class ResnetBlock : Module
{
    public ResnetBlock(int spatialDims, long inChannels, long outChannels, long embChannels, long normGroups, double normEps,
                       bool up = false, bool down = false)
    {
        if (up && down) throw new ArgumentException("a ResnetBlock resamples up or down, not both");
        InChannels = inChannels;
        OutChannels = outChannels;
        Norm1 = RegisterModule("norm1", new GroupNorm(normGroups, inChannels, normEps));
        Conv1 = RegisterModule("conv1", new Convolution(spatialDims, inChannels, outChannels, kernelSize: 3));
        if (up) Upsample = new UNetUpsample(spatialDims, inChannels, useConv: false);          // parameterless
        if (down) Downsample = new UNetDownsample(spatialDims, inChannels, useConv: false);
        TimeEmbProj = RegisterModule("time_emb_proj", new Linear(embChannels, outChannels));
        Norm2 = RegisterModule("norm2", new GroupNorm(normGroups, outChannels, normEps));
        Conv2 = RegisterModule("conv2", new Convolution(spatialDims, outChannels, outChannels, kernelSize: 3));
        if (outChannels != inChannels)
            SkipConnection = RegisterModule("skip_connection", new Convolution(spatialDims, inChannels, outChannels, kernelSize: 1));
    }

    public long InChannels { get; }
    public long OutChannels { get; }
    public GroupNorm Norm1 { get; }
    public Convolution Conv1 { get; }
    public UNetUpsample? Upsample { get; }
    public UNetDownsample? Downsample { get; }
    public Linear TimeEmbProj { get; }
    public GroupNorm Norm2 { get; }
    public Convolution Conv2 { get; }
    public Convolution? SkipConnection { get; }

    // x (B, Cin, *S), emb (B or 1, E) -> (B, Cout, *S') with S' = S, 2S (up) or S/2 (down)
    public Tensor Forward(Tensor x, Tensor emb)
    {
        if (x.Size(1) != InChannels) throw new ArgumentException($"ResnetBlock expects {InChannels} input channels, got {x.Size(1)}");
        using var scope = NewDisposeScope();
        var h = Functional.Silu(Norm1.Forward(x));
        if (Upsample is not null)
        {
            x = Upsample.Forward(x);
            h = Upsample.Forward(h);
        }
        else if (Downsample is not null)
        {
            x = Downsample.Forward(x);
            h = Downsample.Forward(h);
        }
        h = Conv1.Forward(h);
        var temb = TimeEmbProj.Forward(Functional.Silu(emb));          // (B, Cout)
        h = h + temb.Reshape([.. temb.Shape, .. Enumerable.Repeat(1L, h.Dim - 2)]);  // (B, Cout, 1, ...)
        h = Conv2.Forward(Functional.Silu(Norm2.Forward(h)));
        var skip = SkipConnection is null ? x : SkipConnection.Forward(x);
        return (skip + h).MoveToOuterScope();
    }
}
