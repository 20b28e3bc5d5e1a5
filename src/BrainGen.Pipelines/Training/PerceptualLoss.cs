using BrainGen.Torch;
using BrainGen.Torch.NN;
using BrainGen.Torch.Serialization;

namespace BrainGen.Pipelines.Training;

/// <summary>
/// 3D perceptual loss as MONAI's <c>MedicalNetPerceptualSimilarity</c>: both volumes z-scored,
/// passed through a frozen MedicalNet ResNet (Chen et al. 2019), the final feature maps unit-
/// normalized over channels, squared differences summed over channels and averaged over space.
/// Supported networks: MedicalNet BasicBlock ResNets (ResNet-10, 18, 34) as safetensors, keys as
/// in MedicalNet's .pth (conv1, bn1, layerK.N.conv1/bn1/conv2/bn2/downsample.0/1; a "module."
/// prefix and the conv_seg head are ignored). Bottleneck ResNets (50 and up) are refused.
/// </summary>
public sealed class PerceptualLoss : Module
{
    private readonly Conv _conv1;
    private readonly BatchNorm _bn1;
    private readonly List<MedicalNetBlock> _blocks = [];

    /// <summary>A network with <paramref name="blocksPerLayer"/> BasicBlocks in layer1..4 (ResNet-10: 1,1,1,1).</summary>
    public PerceptualLoss(int[] blocksPerLayer)
    {
        if (blocksPerLayer.Length != 4) throw new ArgumentException("a MedicalNet ResNet has 4 layers");
        _conv1 = RegisterModule("conv1", new Conv(3, 1, 64, kernelSize: 7, stride: 2, padding: 3, bias: false));
        _bn1 = RegisterModule("bn1", new BatchNorm(64));
        int inplanes = 64;
        (int Planes, int Stride, int Dilation)[] layers = [(64, 1, 1), (128, 2, 1), (256, 1, 2), (512, 1, 4)];
        for (int l = 0; l < 4; l++)
        {
            var list = RegisterModule($"layer{l + 1}", new ModuleList<MedicalNetBlock>());
            for (int b = 0; b < blocksPerLayer[l]; b++)
            {
                var (planes, stride, dilation) = layers[l];
                var block = new MedicalNetBlock(inplanes, planes, b == 0 ? stride : 1, dilation);
                list.Add(block);
                _blocks.Add(block);
                inplanes = planes;
            }
        }
        foreach (var p in Parameters()) p.RequiresGrad = false;
        Eval();
    }

    /// <summary>Loads a MedicalNet BasicBlock ResNet from safetensors; the error names the file and what does not fit.</summary>
    public static PerceptualLoss Load(string path, Device device)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: perceptual feature network not found", path);
        var raw = SafeTensors.Load(path);
        var state = raw.Where(e => !e.Key.Contains("conv_seg"))
            .ToDictionary(e => e.Key.StartsWith("module.") ? e.Key["module.".Length..] : e.Key, e => e.Value);
        if (state.Keys.Any(k => k.EndsWith("conv3.weight")))
            throw new InvalidDataException($"{path}: a Bottleneck ResNet (MedicalNet-50 or larger); only BasicBlock ResNets (10, 18, 34) are supported");
        var blocks = Enumerable.Range(1, 4).Select(l => state.Keys.Where(k => k.StartsWith($"layer{l}."))
            .Select(k => int.Parse(k.Split('.')[1])).DefaultIfEmpty(-1).Max() + 1).ToArray();
        if (blocks.Any(b => b == 0)) throw new InvalidDataException($"{path}: not a MedicalNet ResNet (keys layer1..layer4 expected)");
        var network = new PerceptualLoss(blocks);
        try
        {
            network.LoadStateDict(state, strict: true, source: path);
            network.To(device);
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>(B, 1, *S) -> (B, 512, *S/8): the final feature maps.</summary>
    public Tensor Features(Tensor x)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var h = Functional.Relu(_bn1.Forward(_conv1.Forward(x)));
        h = Ops.MaxPool3d(h, [3, 3, 3], [2, 2, 2], [1, 1, 1]);
        foreach (var block in _blocks) h = block.Forward(h);
        return h.MoveToOuterScope();
    }

    /// <summary>Mean over the batch of the spatially averaged, channel-summed squared difference of unit-normalized features.</summary>
    public Tensor Loss(Tensor input, Tensor target)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var a = Normalize(Features(ZScore(input)));
        var b = Normalize(Features(ZScore(target)));
        return (a - b).Square().Sum(1).Mean().MoveToOuterScope();
    }

    // MONAI medicalnet_intensity_normalisation: per volume (x - mean) / std.
    private static Tensor ZScore(Tensor x)
    {
        var dims = Enumerable.Range(1, x.Dim - 1).Select(d => (long)d).ToArray();
        return (x - x.Mean(dims, keepDim: true)) / (x.Std(dims, keepDim: true) + 1e-10);
    }

    // LPIPS normalize_tensor: x / (‖x‖₂ over channels + eps).
    private static Tensor Normalize(Tensor x) => x / (x.Square().Sum(1, keepDim: true).Sqrt() + 1e-10);
}

/// <summary>MedicalNet BasicBlock: conv3³ → BN → ReLU → conv3³ → BN, + identity or 1³ conv + BN shortcut (type B), ReLU.</summary>
internal sealed class MedicalNetBlock : Module<Tensor, Tensor>
{
    private readonly Conv _conv1, _conv2;
    private readonly BatchNorm _bn1, _bn2;
    private readonly Sequential? _downsample;

    public MedicalNetBlock(int inplanes, int planes, int stride, int dilation)
    {
        _conv1 = RegisterModule("conv1", new Conv(3, inplanes, planes, 3, stride, padding: dilation, dilation: dilation, bias: false));
        _bn1 = RegisterModule("bn1", new BatchNorm(planes));
        _conv2 = RegisterModule("conv2", new Conv(3, planes, planes, 3, 1, padding: dilation, dilation: dilation, bias: false));
        _bn2 = RegisterModule("bn2", new BatchNorm(planes));
        if (stride != 1 || inplanes != planes)
            _downsample = RegisterModule("downsample", new Sequential(new Conv(3, inplanes, planes, 1, stride, bias: false), new BatchNorm(planes)));
    }

    public override Tensor Forward(Tensor x)
    {
        var h = _bn2.Forward(_conv2.Forward(Functional.Relu(_bn1.Forward(_conv1.Forward(x)))));
        var shortcut = _downsample is null ? x : _downsample.Forward(x);
        return Functional.Relu(h + shortcut);
    }
}
