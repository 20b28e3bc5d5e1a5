using BrainGen.Torch;
using BrainGen.Torch.NN;

namespace BrainGen.Models.Blocks;

/// <summary>
/// GM AutoencoderKL <c>Upsample</c>: nearest-neighbour ×2 then a 3×3 convolution (bf16 inputs are interpolated
/// in fp32 and cast back, as GM works around PyTorch #86679), or, with <c>use_convtranspose</c>, one 3×3
/// stride-2 transposed convolution (MONAI output_padding = stride - 1). Key: conv.conv (MONAI-core names
/// the non-transposed one postconv.conv; see AutoencoderKeyMapping).
/// </summary>
public sealed class AutoencoderUpsample : Module<Tensor, Tensor>
{
    private readonly double[] _scale;

    public AutoencoderUpsample(int spatialDims, int channels, bool useConvTranspose)
    {
        _scale = Enumerable.Repeat(2.0, spatialDims).ToArray();
        UseConvTranspose = useConvTranspose;
        if (useConvTranspose)
            Transposed = RegisterModule("conv", new TransposedConvolution(spatialDims, channels, channels));
        else
            Conv = RegisterModule("conv", new Convolution(spatialDims, channels, channels, kernelSize: 3));
    }

    public bool UseConvTranspose { get; }
    public Convolution? Conv { get; }
    public TransposedConvolution? Transposed { get; }

    // (B, C, *S) -> (B, C, *2S)
    public override Tensor Forward(Tensor x)
    {
        if (Transposed is not null) return Transposed.Forward(x);
        using var up = Interpolate(x);
        return Conv!.Forward(up);
    }

    /// <summary>The nearest ×2 step alone (used by the slab decoder, which runs the convolution itself).</summary>
    internal Tensor Interpolate(Tensor x)
    {
        if (x.DType != DType.BFloat16) return Functional.Interpolate(x, scaleFactor: _scale);
        using var wide = x.To(DType.Float32);
        using var up = Functional.Interpolate(wide, scaleFactor: _scale);
        return up.To(DType.BFloat16);
    }

    /// <summary>MONAI <c>Convolution(is_transposed=True, kernel_size=3, strides=2, padding=1)</c>: child "conv".</summary>
    public sealed class TransposedConvolution : Module<Tensor, Tensor>
    {
        public TransposedConvolution(int spatialDims, int inChannels, int outChannels)
        {
            Conv = RegisterModule("conv", new ConvTranspose(spatialDims, inChannels, outChannels, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1));
        }

        public ConvTranspose Conv { get; }

        public override Tensor Forward(Tensor input) => Conv.Forward(input);
    }
}
