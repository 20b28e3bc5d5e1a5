using BrainGen.Torch;
using BrainGen.Torch.NN;

namespace BrainGen.Models.Blocks;

/// <summary>
/// MONAI's <c>Convolution(conv_only=True)</c>: an nn.Sequential whose only child is <c>conv</c>,
/// which is why MONAI state_dict keys read <c>…conv1.conv.weight</c>. Padding defaults to "same"
/// for odd kernels, as MONAI's same_padding.
/// </summary>
public sealed class Convolution : Module<Tensor, Tensor>
{
    public Convolution(int spatialDims, long inChannels, long outChannels, long kernelSize = 3, long stride = 1, long? padding = null)
    {
        Conv = RegisterModule("conv", new Conv(spatialDims, inChannels, outChannels, kernelSize, stride, padding ?? (kernelSize - 1) / 2));
    }

    public Conv Conv { get; }

    public override Tensor Forward(Tensor input) => Conv.Forward(input);
}
