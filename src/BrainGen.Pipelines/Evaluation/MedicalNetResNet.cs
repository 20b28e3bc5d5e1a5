using BrainGen.Torch;
using BrainGen.Torch.NN;

namespace BrainGen.Pipelines.Evaluation;

/// <summary>
/// The 3D ResNet of MedicalNet (Chen, Ma, Zheng 2019, "Med3D: Transfer learning for 3D medical image
/// analysis", arXiv:1904.00625), whose ResNet-50 features Pinaya et al. (2022) used for FID. The
/// trunk only (the segmentation head conv_seg is dropped): conv1 7³ stride 2, bn1, relu, max-pool 3³
/// stride 2, then layer1 (stride 1), layer2 (stride 2), layer3 (dilation 2), layer4 (dilation 4),
/// downsampling shortcuts of type B (1³ conv + BatchNorm), as MedicalNet's released weights use.
/// Key names are PyTorch's: conv1, bn1, layer1.0.conv1, layer1.0.bn1, layer2.0.downsample.0, ...
/// </summary>
public sealed class MedicalNetResNet : Module<Tensor, Tensor>
{
    /// <param name="layers">blocks per stage: [1,1,1,1] ResNet-10, [2,2,2,2] 18, [3,4,6,3] 34 (basic) or 50 (bottleneck)</param>
    /// <param name="bottleneck">Bottleneck blocks (expansion 4, ResNet-50 and deeper) instead of basic blocks</param>
    /// <param name="width">channels after conv1 (64 in MedicalNet; smaller only for tests)</param>
    public MedicalNetResNet(int[] layers, bool bottleneck, long width = 64)
    {
        if (layers.Length != 4 || layers.Any(n => n < 1)) throw new ArgumentException("MedicalNet ResNet: four stages of at least one block");
        Layers = layers;
        Bottleneck = bottleneck;
        Width = width;
        Conv1 = RegisterModule("conv1", new Conv3d(1, width, 7, stride: 2, padding: 3, bias: false));
        Bn1 = RegisterModule("bn1", new BatchNormEval(width));
        long inplanes = width;
        var stages = new (long Planes, long Stride, long Dilation)[] { (width, 1, 1), (width * 2, 2, 1), (width * 4, 1, 2), (width * 8, 1, 4) };
        for (int s = 0; s < 4; s++)
        {
            var stage = new Sequential();
            var (planes, stride, dilation) = stages[s];
            for (int b = 0; b < layers[s]; b++)
            {
                stage.Append(new ResNetBlock(inplanes, planes, b == 0 ? stride : 1, dilation, bottleneck));
                inplanes = planes * (bottleneck ? 4 : 1);
            }
            _stages.Add(RegisterModule($"layer{s + 1}", stage));
        }
        FeatureCount = inplanes;
    }

    private readonly List<Sequential> _stages = [];

    public int[] Layers { get; }
    public bool Bottleneck { get; }
    public long Width { get; }
    public Conv3d Conv1 { get; }
    public BatchNormEval Bn1 { get; }

    /// <summary>Channels of layer4's output: 8·width (basic) or 32·width (bottleneck): 512 for ResNet-10, 2048 for ResNet-50.</summary>
    public long FeatureCount { get; }

    /// <summary>Depth in the usual naming: 2 (conv1 + head) + 2 or 3 convolutions per block.</summary>
    public int Depth => 2 + (Bottleneck ? 3 : 2) * Layers.Sum();

    // (B, 1, X, Y, Z) -> (B, FeatureCount, X/8, Y/8, Z/8)
    public override Tensor Forward(Tensor input)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var x = Functional.Relu(Bn1.Forward(Conv1.Forward(input)));
        x = Ops.MaxPool3d(x, [3, 3, 3], [2, 2, 2], [1, 1, 1]);
        foreach (var stage in _stages) x = stage.Forward(x);
        return x.MoveToOuterScope();
    }

    /// <summary>
    /// The architecture a MedicalNet state dict describes (block type from layer1.0.conv3, blocks per
    /// stage from the highest block index, width from conv1), so any of ResNet-10..200 loads.
    /// </summary>
    public static MedicalNetResNet ForStateDict(IReadOnlyDictionary<string, Torch.HostTensor> state, string source)
    {
        if (!state.TryGetValue("conv1.weight", out var conv1) || conv1.Shape.Length != 5)
            throw new InvalidDataException($"{source}: not a MedicalNet 3D ResNet (no 5-d conv1.weight)");
        bool bottleneck = state.ContainsKey("layer1.0.conv3.weight");
        var layers = new int[4];
        for (int s = 0; s < 4; s++)
        {
            var prefix = $"layer{s + 1}.";
            var indices = state.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
                .Select(k => int.TryParse(k[prefix.Length..].Split('.')[0], out var i) ? i : -1).Where(i => i >= 0).ToList();
            if (indices.Count == 0) throw new InvalidDataException($"{source}: MedicalNet ResNet has no {prefix}* weights");
            layers[s] = indices.Max() + 1;
        }
        if (conv1.Shape[1] != 1) throw new InvalidDataException($"{source}: conv1 takes {conv1.Shape[1]} channels; MedicalNet takes one");
        return new MedicalNetResNet(layers, bottleneck, conv1.Shape[0]);
    }
}

/// <summary>
/// A basic block (two 3³ convs) or a bottleneck (1³, 3³ with the stride and dilation, 1³ to 4·planes),
/// each conv followed by BatchNorm; the identity, or a type-B downsample when the shape changes, is added
/// before the last relu.
/// </summary>
public sealed class ResNetBlock : Module<Tensor, Tensor>
{
    private readonly List<(Conv3d Conv, BatchNormEval Norm)> _path = [];
    private readonly Sequential? _downsample;

    public ResNetBlock(long inplanes, long planes, long stride, long dilation, bool bottleneck)
    {
        long outplanes = planes * (bottleneck ? 4 : 1);
        var convs = bottleneck
            ? new[] { new Conv3d(inplanes, planes, 1, bias: false), new Conv3d(planes, planes, 3, stride, dilation, dilation, bias: false), new Conv3d(planes, outplanes, 1, bias: false) }
            : new[] { new Conv3d(inplanes, planes, 3, stride, dilation, dilation, bias: false), new Conv3d(planes, planes, 3, 1, dilation, dilation, bias: false) };
        for (int i = 0; i < convs.Length; i++)
            _path.Add((RegisterModule($"conv{i + 1}", convs[i]), RegisterModule($"bn{i + 1}", new BatchNormEval(convs[i].Weight.Size(0)))));
        if (stride != 1 || inplanes != outplanes)
            _downsample = RegisterModule("downsample", new Sequential(new Conv3d(inplanes, outplanes, 1, stride, bias: false), new BatchNormEval(outplanes)));
    }

    public override Tensor Forward(Tensor input)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var x = input;
        for (int i = 0; i < _path.Count; i++)
        {
            x = _path[i].Norm.Forward(_path[i].Conv.Forward(x));
            if (i < _path.Count - 1) x = Functional.Relu(x);
        }
        var shortcut = _downsample is null ? input : _downsample.Forward(input);
        return Functional.Relu(x + shortcut).MoveToOuterScope();
    }
}
