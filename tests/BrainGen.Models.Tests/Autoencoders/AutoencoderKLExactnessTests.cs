using BrainGen.Models.Tokenizers;
using BrainGen.Torch;
using BrainGen.Torch.Serialization;
using static BrainGen.Models.Tests.Autoencoders.AutoencoderFixtures;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Tests.Autoencoders;

/// <summary>
/// Outputs of MONAI Generative's AutoencoderKL with random values in every tensor (the dead proj_attn too, so
/// a match also shows it is ignored), reproduced within 1e-4 abs + 1e-4 rel.
/// </summary>
public sealed class AutoencoderKLExactnessTests
{
    public static TheoryData<string> Fixtures => new(Names);

    [Theory, MemberData(nameof(Fixtures))]
    public void Encode_sample_decode_and_reconstruct_match_MONAI_Generative(string name)
    {
        using var scope = NewDisposeScope();
        using var noGrad = NoGrad();
        using var model = Model(name);
        var io = Io(name + ".io.safetensors");

        var (mu, sigma) = model.Encode(io["x"]);
        Close(io["mu"], mu, $"{name} mu");
        Close(io["sigma"], sigma, $"{name} sigma");
        Assert.Equal(model.LatentShape(io["x"].Shape), mu.Shape);

        ulong seed = (ulong)ExpectedFor(name).GetProperty("sample_seed").GetInt64();
        using (var generator = new Generator(seed)) Close(io["sample"], AutoencoderKL.Sample(mu, sigma, generator), $"{name} sample");
        using (var generator = new Generator(seed)) Close(io["sample"], model.EncodeStage2Inputs(io["x"], generator), $"{name} stage-2 inputs");

        Close(io["decoded"], model.Decode(io["z"]), $"{name} decode");
        Close(io["decoded"], model.DecodeStage2Outputs(io["z"]), $"{name} decode_stage_2_outputs");
        Close(io["reconstructed"], model.Reconstruct(io["x"]), $"{name} reconstruct");
    }

    [Fact]
    public void Log_variance_is_clamped_to_minus_30_and_20()
    {
        // ae2d's quant_conv_log_sigma biases are +40 and -45 on channels 0 and 1.
        using var scope = NewDisposeScope();
        using var noGrad = NoGrad();
        using var model = Model("ae2d");
        var (_, sigma) = model.Encode(Io("ae2d.io.safetensors")["x"]);
        Assert.All(sigma.Select(1, 0).ToArray<float>(), s => Assert.Equal(MathF.Exp(10f), s, 1e-2f));
        Assert.All(sigma.Select(1, 1).ToArray<float>(), s => Assert.Equal(MathF.Exp(-15f), s, 1e-9f));
    }

    [Fact]
    public void The_torch_save_pth_of_a_GM_model_loads_strictly_and_reproduces_its_outputs()
    {
        using var scope = NewDisposeScope();
        using var noGrad = NoGrad();
        string path = PathOf("ae3d_plain.pth");
        var state = PthFile.ReadStateDict(path);
        var fromSafeTensors = Weights("ae3d_plain.safetensors");
        Assert.Equal(fromSafeTensors.Keys.Order(), state.Keys.Order());
        foreach (var (key, value) in fromSafeTensors) Assert.Equal(value.Data, state[key].Data);

        using var model = AutoencoderKL.FromCheckpoint(Config("ae3d_plain"), state, path);
        var io = Io("ae3d_plain.io.safetensors");
        Close(io["reconstructed"], model.Reconstruct(io["x"]), "reconstruct from .pth");
    }

    [Fact]
    public void Forward_returns_a_decoded_sample_with_mu_and_sigma()
    {
        using var scope = NewDisposeScope();
        using var noGrad = NoGrad();
        using var model = Model("ae3d_plain");
        var io = Io("ae3d_plain.io.safetensors");
        using var generator = new Generator(1234);
        var (reconstruction, mu, sigma) = model.Forward(io["x"], generator);
        Close(io["mu"], mu, "mu");
        Close(io["sigma"], sigma, "sigma");
        Close(model.Decode(io["sample"]), reconstruction, "decode(sample)");
    }
}

[Collection(nameof(SerialCollection))]
public sealed class AutoencoderLeakTests
{
    [Fact]
    public void Forward_passes_leave_no_tensor_behind()
    {
        using var noGrad = NoGrad();
        using var model = Model("ae3d_attn");
        var io = Io("ae3d_attn.io.safetensors");
        long before = Tensor.LiveCount;
        model.Reconstruct(io["x"]).Dispose();
        var (mu, sigma) = model.Encode(io["x"]);
        mu.Dispose();
        sigma.Dispose();
        model.Decode(io["z"], new SlabDecodeOptions(Axis: 1, LatentSlabSize: 1)).Dispose();
        Assert.Equal(before, Tensor.LiveCount);
        foreach (var t in io.Values) t.Dispose();
    }
}
