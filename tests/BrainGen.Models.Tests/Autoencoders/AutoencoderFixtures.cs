using System.Text.Json;
using BrainGen.Models.Tokenizers;
using BrainGen.Torch;
using BrainGen.Torch.Serialization;

namespace BrainGen.Models.Tests.Autoencoders;

/// <summary>
/// The committed files of tools/fixtures/make_autoencoder_fixtures.py (MONAI Generative on MONAI 1.3 and
/// MONAI-core 1.5, PyTorch 1.13.1), found by walking up from the test binaries to the source tree.
/// </summary>
internal static class AutoencoderFixtures
{
    public static readonly string[] Names = ["ae3d_plain", "ae3d_attn", "ae2d", "ae2d_convtranspose"];

    private static readonly Lazy<string> Folder = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "BrainGen.Models.Tests", "Fixtures", "autoencoder");
            if (File.Exists(Path.Combine(candidate, "expected.json"))) return candidate;
        }
        throw new DirectoryNotFoundException("Fixtures/autoencoder not found above " + AppContext.BaseDirectory);
    });

    private static readonly Lazy<JsonElement> Expected = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder.Value, "expected.json"))).RootElement);

    public static string PathOf(string file) => Path.Combine(Folder.Value, file);

    public static IReadOnlyDictionary<string, HostTensor> Weights(string file) => SafeTensors.Load(PathOf(file));

    public static JsonElement ExpectedFor(string name) => Expected.Value.GetProperty(name);

    /// <summary>The fixture's GM constructor kwargs as a BrainGen config.</summary>
    public static AutoencoderKLConfig Config(string name)
    {
        var k = ExpectedFor(name).GetProperty("kwargs");
        int levels = k.GetProperty("num_channels").GetArrayLength();
        var res = k.GetProperty("num_res_blocks");
        return new AutoencoderKLConfig
        {
            SpatialDims = k.GetProperty("spatial_dims").GetInt32(),
            InChannels = k.GetProperty("in_channels").GetInt32(),
            OutChannels = k.GetProperty("out_channels").GetInt32(),
            LatentChannels = k.GetProperty("latent_channels").GetInt32(),
            Channels = k.GetProperty("num_channels").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            NumResBlocks = res.ValueKind == JsonValueKind.Number
                ? Enumerable.Repeat(res.GetInt32(), levels).ToArray()
                : res.EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            AttentionLevels = k.GetProperty("attention_levels").EnumerateArray().Select(e => e.GetBoolean()).ToArray(),
            NormNumGroups = k.GetProperty("norm_num_groups").GetInt32(),
            NormEps = k.GetProperty("norm_eps").GetDouble(),
            WithEncoderNonLocalAttention = k.GetProperty("with_encoder_nonlocal_attn").GetBoolean(),
            WithDecoderNonLocalAttention = k.GetProperty("with_decoder_nonlocal_attn").GetBoolean(),
            UseConvTranspose = k.TryGetProperty("use_convtranspose", out var ct) && ct.GetBoolean(),
        };
    }

    /// <summary>x, z, mu, sigma, sample, decoded, reconstructed as tensors.</summary>
    public static Dictionary<string, Tensor> Io(string file) =>
        SafeTensors.Load(PathOf(file)).ToDictionary(e => e.Key, e => Tensor.FromHost(e.Value));

    public static AutoencoderKL Model(string name, string? weightsFile = null, AutoencoderKLConfig? config = null) =>
        AutoencoderKL.FromCheckpoint(config ?? Config(name), Weights(weightsFile ?? name + ".safetensors"), PathOf(weightsFile ?? name + ".safetensors"));

    /// <summary>The brief's exactness bound: |actual − expected| ≤ 1e-4 + 1e-4·|expected|.</summary>
    public static void Close(Tensor expected, Tensor actual, string what) => TensorAssert.Close(expected, actual, what, rtol: 1e-4, atol: 1e-4);
}
