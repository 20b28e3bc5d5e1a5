using BrainGen.Torch;
using BrainGen.Torch.NN;

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
    // Each intermediate is freed as soon as the next one exists, as rebinding `h` does in PyTorch. A
    // dispose scope over the block would hold all seven until the end: at the bundle's decode size one
    // full-resolution activation is 1.5 GB. (Under autograd the graph still keeps what backward needs.)
    public override Tensor Forward(Tensor x)
    {
        var h = Norm1.Forward(x);
        h = Then(h, Functional.Silu);
        h = Then(h, Conv1.Forward);
        h = Then(h, Norm2.Forward);
        h = Then(h, Functional.Silu);
        h = Then(h, Conv2.Forward);
        if (NinShortcut is null) return Then(h, t => x + t);
        using var shortcut = NinShortcut.Forward(x);
        return Then(h, t => shortcut + t);
    }

    private static Tensor Then(Tensor input, Func<Tensor, Tensor> f)
    {
        using (input) return f(input);
    }
}
