using BrainGen.Models.Tokenizers;
using BrainGen.Torch;
using static BrainGen.Models.Tests.Autoencoders.AutoencoderFixtures;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Tests.Autoencoders;

/// <summary>
/// Slab decoding equals the full decode everywhere, seams included (whole-volume GroupNorm statistics and
/// one-row convolution halos), for uneven slabs, every axis, and blocks that fall back to whole-tensor runs.
/// </summary>
public sealed class SlabDecoderTests
{
    public static TheoryData<string, long[], int, int> Cases => new()
    {
        { "ae3d_plain", [1, 3, 7, 4, 5], 0, 1 },
        { "ae3d_plain", [1, 3, 7, 4, 5], 0, 3 },   // uneven last slab
        { "ae3d_plain", [2, 3, 4, 6, 5], 2, 2 },
        { "ae3d_plain", [1, 3, 3, 3, 3], 1, 8 },   // one slab
        { "ae3d_attn", [1, 4, 4, 5, 3], 1, 2 },    // attention + non-local blocks run whole
        { "ae2d", [1, 3, 6, 5], 1, 2 },
        { "ae2d_convtranspose", [1, 2, 5, 4], 0, 2 }, // transposed upsampling runs whole
    };

    [Theory, MemberData(nameof(Cases))]
    public void Slab_decoding_matches_full_decoding(string name, long[] latentShape, int axis, int slabSize)
    {
        using var scope = NewDisposeScope();
        using var noGrad = NoGrad();
        using var model = Model(name);
        using var generator = new Generator(7);
        var z = Tensor.Randn(latentShape, generator);
        var full = model.Decode(z);
        var slabs = model.Decode(z, new SlabDecodeOptions(axis, slabSize));
        Close(full, slabs, $"{name} axis {axis} slab {slabSize}");
    }

    [Fact]
    public void Bad_options_are_refused()
    {
        using var scope = NewDisposeScope();
        using var model = new AutoencoderKL(Config("ae3d_plain"));
        var z = Tensor.Zeros([1, 3, 2, 2, 2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Decode(z, new SlabDecodeOptions(Axis: 3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Decode(z, new SlabDecodeOptions(LatentSlabSize: 0)));
    }
}
