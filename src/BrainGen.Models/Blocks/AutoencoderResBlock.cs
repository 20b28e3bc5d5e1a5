using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Blocks;

/// <summary>
/// GM AutoencoderKL <c>ResBlock</c>: <c>h = conv1(silu(norm1(x))); h = conv2(silu(norm2(h))); return shortcut(x) + h</c>,
/// with a 1×1 <c>nin_shortcut</c> only when the channel count changes. Keys: norm1, conv1.conv, norm2,
/// conv2.conv[, nin_shortcut.conv].
/// </summary>
public sealed class AutoencoderResBlock : Module<Tensor, Tensor>
{
    public AutoencoderResBlock(int spatialDims, int inChannels, int outChannels, int normNumGroups, double normEps)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        Norm1 = RegisterModule("norm1", new GroupNorm(normNumGroups, inChannels, normEps));
        Conv1 = RegisterModule("conv1", new Convolution(spatialDims, inChannels, outChannels, kernelSize: 3));
        Norm2 = RegisterModule("norm2", new GroupNorm(normNumGroups, outChannels, normEps));
        Conv2 = RegisterModule("conv2", new Convolution(spatialDims, outChannels, outChannels, kernelSize: 3));
        if (inChannels != outChannels)
            NinShortcut = RegisterModule("nin_shortcut", new Convolution(spatialDims, inChannels, outChannels, kernelSize: 1));
    }

    public int InChannels { get; }
    public int OutChannels { get; }
    public GroupNorm Norm1 { get; }
    public Convolution Conv1 { get; }
    public GroupNorm Norm2 { get; }
    public Convolution Conv2 { get; }
    public Convolution? NinShortcut { get; }

    // (B, Cin, *S) -> (B, Cout, *S)
    public override Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = Conv1.Forward(Functional.Silu(Norm1.Forward(x)));
        h = Conv2.Forward(Functional.Silu(Norm2.Forward(h)));
        var shortcut = NinShortcut?.Forward(x) ?? x;
        return (shortcut + h).MoveToOuterScope();
    }
}
