using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Blocks;

/// <summary>
/// GM's UNet <c>Upsample</c>: nearest-neighbour ×2, then optionally a 3×3 convolution (key <c>conv.conv</c>;
/// MONAI-core calls it <c>postconv.conv</c>). bfloat16 input is interpolated in fp32, as GM does.
/// </summary>
public sealed class UNetUpsample : Module<Tensor, Tensor>
{
    public UNetUpsample(int spatialDims, long channels, bool useConv)
    {
        Channels = channels;
        if (useConv) Conv = RegisterModule("conv", new Convolution(spatialDims, channels, channels, kernelSize: 3));
    }

    public long Channels { get; }
    public Convolution? Conv { get; }

    // (B, C, *S) -> (B, C, *2S)
    public override Tensor Forward(Tensor x)
    {
        if (x.Size(1) != Channels) throw new ArgumentException($"upsample expects {Channels} channels, got {x.Size(1)}");
        using var scope = NewDisposeScope();
        var dtype = x.DType;
        var h = dtype == DType.BFloat16 ? x.Float() : x;
        h = Functional.Interpolate(h, scaleFactor: [.. Enumerable.Repeat(2.0, x.Dim - 2)]);
        if (dtype == DType.BFloat16) h = h.To(dtype);
        if (Conv is not null) h = Conv.Forward(h);
        return h.MoveToOuterScope();
    }
}
