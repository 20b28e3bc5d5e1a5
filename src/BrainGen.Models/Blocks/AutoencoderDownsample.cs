using BrainGen.Torch;
using BrainGen.Torch.NN;

namespace BrainGen.Models.Blocks;

/// <summary>
/// GM AutoencoderKL <c>Downsample</c>: pad one zero at the end of every spatial axis, then a 3×3 stride-2
/// convolution without padding, so each size n becomes floor((n - 2) / 2) + 1 = ceil(n / 2). Key: conv.conv.
/// </summary>
public sealed class AutoencoderDownsample : Module<Tensor, Tensor>
{
    private readonly long[] _pad;

    public AutoencoderDownsample(int spatialDims, int channels)
    {
        _pad = Enumerable.Range(0, spatialDims).SelectMany(_ => new long[] { 0, 1 }).ToArray();
        Conv = RegisterModule("conv", new Convolution(spatialDims, channels, channels, kernelSize: 3, stride: 2, padding: 0));
    }

    public Convolution Conv { get; }

    // (B, C, *S) -> (B, C, *ceil(S/2))
    public override Tensor Forward(Tensor x)
    {
        using var padded = Functional.Pad(x, _pad);
        return Conv.Forward(padded);
    }
}
