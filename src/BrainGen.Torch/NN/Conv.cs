namespace BrainGen.Torch.NN;

/// <summary>
/// Convolution over 1, 2 or 3 spatial dimensions (MONAI's spatial_dims), so 2D tests and 3D MRI
/// share code. Keys: weight (out, in/groups, k...), bias (out).
/// </summary>
public class Conv : Module<Tensor, Tensor>
{
    public Conv(int spatialDims, long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0,
                long dilation = 1, long groups = 1, bool bias = true)
    {
        if (spatialDims is < 1 or > 3) throw new ArgumentOutOfRangeException(nameof(spatialDims), "1, 2 or 3 spatial dims");
        if (inChannels % groups != 0 || outChannels % groups != 0) throw new ArgumentException("channels must be divisible by groups");
        SpatialDims = spatialDims;
        Stride = Repeat(stride);
        Padding = Repeat(padding);
        Dilation = Repeat(dilation);
        Groups = groups;
        Weight = RegisterParameter("weight", Tensor.Empty([outChannels, inChannels / groups, .. Repeat(kernelSize)]));
        Init.KaimingUniform_(Weight, Math.Sqrt(5));
        if (bias)
        {
            Bias = RegisterParameter("bias", Tensor.Empty([outChannels]));
            Init.FanInUniform_(Bias, Init.Fans(Weight.Shape).FanIn);
        }
    }

    public int SpatialDims { get; }
    public long[] Stride { get; }
    public long[] Padding { get; }
    public long[] Dilation { get; }
    public long Groups { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    // (B, in, *spatial) -> (B, out, *spatial')
    public override Tensor Forward(Tensor input) => Functional.ConvNd(input, Weight, Bias, Stride, Padding, Dilation, Groups);

    private long[] Repeat(long value) => Enumerable.Repeat(value, SpatialDims).ToArray();
}

public sealed class Conv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1,
                           long groups = 1, bool bias = true)
    : Conv(2, inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias);

public sealed class Conv3d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1,
                           long groups = 1, bool bias = true)
    : Conv(3, inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias);
