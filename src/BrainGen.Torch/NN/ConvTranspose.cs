namespace BrainGen.Torch.NN;

/// <summary>Transposed convolution over 2 or 3 spatial dims. Keys: weight (in, out/groups, k...), bias (out).</summary>
public class ConvTranspose : Module<Tensor, Tensor>
{
    public ConvTranspose(int spatialDims, long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0,
                         long outputPadding = 0, long groups = 1, bool bias = true, long dilation = 1)
    {
        if (spatialDims is < 2 or > 3) throw new ArgumentOutOfRangeException(nameof(spatialDims), "2 or 3 spatial dims");
        SpatialDims = spatialDims;
        Stride = Repeat(stride);
        Padding = Repeat(padding);
        OutputPadding = Repeat(outputPadding);
        Dilation = Repeat(dilation);
        Groups = groups;
        Weight = RegisterParameter("weight", Tensor.Empty([inChannels, outChannels / groups, .. Repeat(kernelSize)]));
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
    public long[] OutputPadding { get; }
    public long[] Dilation { get; }
    public long Groups { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public override Tensor Forward(Tensor input) => SpatialDims == 3
        ? Functional.ConvTranspose3d(input, Weight, Bias, Stride, Padding, OutputPadding, Groups, Dilation)
        : Functional.ConvTranspose2d(input, Weight, Bias, Stride, Padding, OutputPadding, Groups, Dilation);

    private long[] Repeat(long value) => Enumerable.Repeat(value, SpatialDims).ToArray();
}

public sealed class ConvTranspose3d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0,
                                    long outputPadding = 0, long groups = 1, bool bias = true, long dilation = 1)
    : ConvTranspose(3, inChannels, outChannels, kernelSize, stride, padding, outputPadding, groups, bias, dilation);
