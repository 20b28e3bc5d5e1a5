using BrainGen.Pipelines.Training;
using BrainGen.Torch;
using BrainGen.Torch.Serialization;

namespace BrainGen.Pipelines.Tests.Training;

/// <summary>The PatchGAN discriminator's MONAI layout and the MedicalNet perceptual loss.</summary>
public class NetworkTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("braingen-nets-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void PatchDiscriminatorHasMonaiKeysAndPatchShapedLogits()
    {
        using var d = new PatchDiscriminator(layers: 3, channels: 8);
        var keys = d.StateDict().Select(e => $"{e.Key}[{string.Join(",", e.Value.Shape)}]").ToList();
        Assert.Equal(
        [
            "initial_conv.conv.weight[8,1,4,4,4]", "initial_conv.conv.bias[8]",
            "0.conv.weight[16,8,4,4,4]", "0.adn.N.weight[16]", "0.adn.N.bias[16]", "0.adn.N.running_mean[16]", "0.adn.N.running_var[16]", "0.adn.N.num_batches_tracked[]",
            "1.conv.weight[32,16,4,4,4]", "1.adn.N.weight[32]", "1.adn.N.bias[32]", "1.adn.N.running_mean[32]", "1.adn.N.running_var[32]", "1.adn.N.num_batches_tracked[]",
            "2.conv.weight[64,32,4,4,4]", "2.adn.N.weight[64]", "2.adn.N.bias[64]", "2.adn.N.running_mean[64]", "2.adn.N.running_var[64]", "2.adn.N.num_batches_tracked[]",
            "final_conv.conv.weight[1,64,4,4,4]", "final_conv.conv.bias[1]",
        ], keys);
        using var scope = Torch.Torch.NewDisposeScope();
        // 32 -> 16 (initial) -> 8 -> 4 (stride 2) -> 3 (stride 1, k4 p1) -> 2 (final)
        var logits = d.Forward(Tensor.Randn([2, 1, 32, 32, 32]));
        Assert.Equal([2L, 1, 2, 2, 2], logits.Shape);
        Assert.Equal(0.0, PatchDiscriminator.LeastSquares(Tensor.Ones([2, 1, 2, 2, 2]), 1.0).ToDouble());
        using var instance = new PatchDiscriminator(layers: 2, channels: 4, norm: "instance");
        Assert.DoesNotContain(instance.StateDict(), e => e.Key.Contains("adn.N"));
    }

    [Fact]
    public void PerceptualLossLoadsMedicalNetLayoutAndIsZeroOnlyForEqualInputs()
    {
        string path = Path.Combine(_dir, "resnet10.safetensors");
        using (var net = new PerceptualLoss([1, 1, 1, 1]))
            SafeTensors.Save(path, net.StateDictToHost().Select(e => KeyValuePair.Create("module." + e.Key, e.Value))
                .Append(KeyValuePair.Create("module.conv_seg.0.weight", new HostTensor(DType.Float32, [1], new byte[4]))));
        using var loss = PerceptualLoss.Load(path, Device.CPU);
        using var scope = Torch.Torch.NewDisposeScope();
        var x = Tensor.Rand([1, 1, 16, 16, 16]);
        var y = Tensor.Rand([1, 1, 16, 16, 16]).RequiresGrad_();
        AssertClose.Equal(0.0, loss.Loss(x, x).ToDouble(), abs: 1e-6);
        var value = loss.Loss(y, x);
        Assert.True(value.ToDouble() > 0);
        value.Backward();
        Assert.NotNull(y.Grad);
        Assert.All(loss.Parameters(), p => Assert.Null(p.Grad));  // frozen

        var bottleneck = Path.Combine(_dir, "resnet50.safetensors");
        SafeTensors.Save(bottleneck, new Dictionary<string, HostTensor> { ["layer1.0.conv3.weight"] = new(DType.Float32, [1], new byte[4]) });
        var e = Assert.Throws<InvalidDataException>(() => PerceptualLoss.Load(bottleneck, Device.CPU));
        Assert.Contains("resnet50.safetensors", e.Message);
    }
}
