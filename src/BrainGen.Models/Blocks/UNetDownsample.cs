using BrainGen.Torch;
using BrainGen.Torch.NN;

namespace BrainGen.Models.Blocks;

/// <summary>
/// GM's UNet <c>Downsample</c>: a stride-2 3×3 convolution (key <c>op.conv</c>, padding 1) or, without
/// a convolution, 2× average pooling (no parameters; what a resblock_updown ResnetBlock uses).
/// </summary>
public sealed class UNetDownsample : Module<Tensor, Tensor>
{
    private readonly int _spatialDims;

    public UNetDownsample(int spatialDims, long channels, bool useConv, long padding = 1)
    {
        _spatialDims = spatialDims;
        Channels = channels;
        if (useConv) Op = RegisterModule("op", new Convolution(spatialDims, channels, channels, kernelSize: 3, stride: 2, padding: padding));
    }

    public long Channels { get; }
    public Convolution? Op { get; }

    // (B, C, *S) -> (B, C, *S/2)
    public override Tensor Forward(Tensor x)
    {
        if (x.Size(1) != Channels) throw new ArgumentException($"downsample expects {Channels} channels, got {x.Size(1)}");
        if (Op is not null) return Op.Forward(x);
        long[] two = [.. Enumerable.Repeat(2L, _spatialDims)];
        return _spatialDims == 3 ? Functional.AvgPool3d(x, two) : Functional.AvgPool2d(x, two);
    }
}
