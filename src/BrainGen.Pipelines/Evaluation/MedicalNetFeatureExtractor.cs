using BrainGen.Torch;
using BrainGen.Torch.Serialization;

namespace BrainGen.Pipelines.Evaluation;

/// <summary>
/// FID/MMD features as Pinaya et al. (2022) computed them: each volume z-scored over all its voxels
/// (MONAI NormalizeIntensity, population std), MedicalNet's 3D ResNet trunk in eval mode, then global
/// average pooling of layer4 to (B, C) (512 for ResNet-10, 2048 for ResNet-50). Weights come from the
/// user's MedicalNet .pth: the checkpoint's state_dict, "module." prefixes (DataParallel) stripped, the
/// segmentation head (conv_seg.*) ignored.
/// </summary>
public sealed class MedicalNetFeatureExtractor : IFeatureExtractor
{
    private readonly MedicalNetResNet _network;
    private readonly Device _device;

    public MedicalNetFeatureExtractor(MedicalNetResNet network, string source, Device? device = null)
    {
        _network = network;
        _device = device ?? Device.CPU;
        _network.To(_device);
        _network.Eval();
        Name = $"medicalnet-resnet{network.Depth}";
        Description = $"MedicalNet 3D ResNet-{network.Depth} ({source}), z-scored input, global average pool of layer4 ({network.FeatureCount} features)";
    }

    public string Name { get; }
    public string Description { get; }

    /// <summary>Reads a MedicalNet checkpoint (e.g. resnet_50_23dataset.pth) and builds the matching network.</summary>
    public static MedicalNetFeatureExtractor Load(string path, Device? device = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: MedicalNet weights not found", path);
        var raw = PthFile.ReadStateDict(path);
        var state = new Dictionary<string, HostTensor>();
        foreach (var (key, value) in raw)
        {
            var name = key.StartsWith("module.", StringComparison.Ordinal) ? key["module.".Length..] : key;
            if (!name.StartsWith("conv_seg.", StringComparison.Ordinal)) state[name] = value;
        }
        var network = MedicalNetResNet.ForStateDict(state, path);
        try
        {
            network.LoadStateDict(state, strict: true, source: path);
            return new MedicalNetFeatureExtractor(network, Path.GetFileName(path), device);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    public Tensor Extract(Tensor volumes)
    {
        using var noGrad = Torch.Torch.NoGrad();
        using var scope = Torch.Torch.NewDisposeScope();
        var x = volumes.To(_device, DType.Float32);
        long[] dims = [1, 2, 3, 4];
        var mean = x.Mean(dims, keepDim: true);
        var std = x.Std(dims, unbiased: false, keepDim: true);
        var z = (x - mean) / std.Clamp(min: 1e-8);
        var features = _network.Forward(z).Mean([2, 3, 4]);  // (B, C, x, y, z) -> (B, C)
        return features.To(Device.CPU).MoveToOuterScope();
    }

    public void Dispose() => _network.Dispose();
}
