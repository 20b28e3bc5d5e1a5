using BrainGen.Torch;
using BrainGen.Torch.NN;

namespace BrainGen.Pipelines.Training;

/// <summary>
/// MONAI's <c>PatchDiscriminator</c> (PatchGAN, Isola et al. 2017) with its defaults (kernel 4,
/// padding 1, LeakyReLU 0.2, conv → norm → activation): initial_conv (stride 2, bias, no norm), then
/// <c>layers</c> convolutions doubling the channels (stride 2, the last stride 1, no bias, batch or
/// instance norm), then final_conv (1 channel, bias, no activation). Keys match MONAI's:
/// initial_conv.conv.weight, 0.conv.weight, 0.adn.N.weight/bias/running_mean/…, final_conv.conv.weight.
/// Weights are initialized as MONAI does: conv weights N(0, 0.02), batch-norm weights N(1, 0.02), biases of norms 0.
/// </summary>
public sealed class PatchDiscriminator : Module
{
    private readonly List<Module<Tensor, Tensor>> _layers = [];

    public PatchDiscriminator(int layers = 3, int channels = 32, int inChannels = 1, string norm = "batch", int spatialDims = 3)
    {
        if (layers < 1) throw new ArgumentException($"the discriminator needs at least one layer (got {layers})");
        if (norm is not ("batch" or "instance")) throw new ArgumentException($"discriminator norm must be batch or instance (got '{norm}')");
        Add("initial_conv", new DiscriminatorBlock(spatialDims, inChannels, channels, stride: 2, bias: true, norm: null, activation: true));
        int input = channels, output = channels * 2;
        for (int l = 0; l < layers; l++)
        {
            Add(l.ToString(), new DiscriminatorBlock(spatialDims, input, output, stride: l == layers - 1 ? 1 : 2, bias: false, norm, activation: true));
            (input, output) = (output, output * 2);
        }
        Add("final_conv", new DiscriminatorBlock(spatialDims, input, 1, stride: 1, bias: true, norm: null, activation: false, padding: 1));
        foreach (var (_, p) in NamedParameters().Where(p => p.Key.EndsWith("conv.weight"))) Init.Normal_(p, 0, 0.02);
        foreach (var (_, m) in NamedModules()) if (m is BatchNorm bn) Init.Normal_(bn.Weight, 1, 0.02);
    }

    private void Add(string name, DiscriminatorBlock block)
    {
        RegisterModule(name, block);
        _layers.Add(block);
    }

    /// <summary>(B, C, *S) -> patch logits (B, 1, *S') (MONAI returns every intermediate; the last is the logits).</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var h = x;
        foreach (var layer in _layers) h = layer.Forward(h);
        return h.MoveToOuterScope();
    }

    /// <summary>Least-squares GAN loss (MONAI PatchAdversarialLoss, criterion "least_squares"): mean (logits − target)².</summary>
    public static Tensor LeastSquares(Tensor logits, double target)
    {
        using var t = Tensor.Full(logits.Shape, target, logits.DType, logits.Device);
        return Functional.MseLoss(logits, t);
    }
}

/// <summary>MONAI <c>Convolution</c>: child "conv" then an "adn" sequence (N: norm, A: LeakyReLU 0.2).</summary>
internal sealed class DiscriminatorBlock : Module<Tensor, Tensor>
{
    private readonly Conv _conv;
    private readonly NormActivation? _adn;

    public DiscriminatorBlock(int dims, int input, int output, int stride, bool bias, string? norm, bool activation, int padding = 1)
    {
        _conv = RegisterModule("conv", new Conv(dims, input, output, kernelSize: 4, stride: stride, padding: padding, bias: bias));
        if (activation || norm is not null) _adn = RegisterModule("adn", new NormActivation(output, norm, activation));
    }

    public override Tensor Forward(Tensor x)
    {
        var h = _conv.Forward(x);
        if (_adn is null) return h;
        using (h) return _adn.Forward(h);
    }
}

internal sealed class NormActivation : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor>? _norm;
    private readonly bool _activation;

    public NormActivation(int channels, string? norm, bool activation)
    {
        _activation = activation;
        _norm = norm switch
        {
            "batch" => RegisterModule("N", new BatchNorm(channels)),
            "instance" => RegisterModule("N", new InstanceNorm()),
            _ => null,
        };
    }

    public override Tensor Forward(Tensor x)
    {
        var h = _norm is null ? x.Alias() : _norm.Forward(x);
        if (!_activation) return h;
        using (h) return Functional.LeakyRelu(h, 0.2);
    }
}
