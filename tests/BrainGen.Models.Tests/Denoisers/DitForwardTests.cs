using BrainGen.Models.Denoisers;
using BrainGen.Torch;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Tests.Denoisers;

/// <summary>Shapes over patch size, spatial dims and learned sigma; unpatchify; input checks; memory.</summary>
public class DitForwardTests
{
    public static TheoryData<int, int, bool, int[]> Shapes => new()
    {
        { 2, 1, false, [4, 6] },
        { 2, 2, true, [8, 4] },
        { 2, 4, false, [8, 8] },
        { 3, 1, false, [2, 3, 2] },
        { 3, 2, true, [4, 6, 4] },
        { 3, 2, false, [4, 4, 8] },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void OutputHasTheLatentShapeWithOutChannels(int dims, int patch, bool learnSigma, int[] size)
    {
        var config = DitTestModels.Tiny(dims, patch, learnSigma, size);
        using var model = DitTestModels.Randomized(new Dit(config), 5);
        using var scope = NewDisposeScope();
        var (x, t, covariates) = DitTestModels.Inputs(config, 3, 6);
        var output = model.Forward(x, t, covariates, DitTestModels.Mask(true, false, true));

        long tokens = size.Aggregate(1L, (a, s) => a * (s / patch));
        Assert.Equal(tokens, config.NumTokens);
        Assert.Equal([1L, tokens, config.HiddenSize], model.PosEmbed.Shape);
        Assert.Equal([3L, (learnSigma ? 2 : 1) * config.InChannels, .. size.Select(s => (long)s)], output.Shape);
        Assert.True(output.IsFinite().All().Item<bool>());
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void UnpatchifyInvertsRowMajorPatchesWithChannelsLast(int dims, int patch, bool learnSigma, int[] size)
    {
        var config = DitTestModels.Tiny(dims, patch, learnSigma, size);
        using var model = new Dit(config);
        using var scope = NewDisposeScope();
        long b = 2, channels = config.OutChannels;
        long[] grid = config.GridShape, spatial = config.LatentShape;
        long patchVolume = (long)Math.Pow(patch, dims), tokens = config.NumTokens;
        var image = Enumerable.Range(0, (int)(b * channels * spatial.Aggregate(1L, (a, s) => a * s))).Select(i => (float)i).ToArray();

        // Reference patchify: token (row-major grid) x offset in patch (row-major) x channel (fastest).
        var patches = new float[b * tokens * patchVolume * channels];
        long k = 0;
        for (long n = 0; n < b; n++)
            for (long token = 0; token < tokens; token++)
                for (long offset = 0; offset < patchVolume; offset++)
                    for (long c = 0; c < channels; c++)
                    {
                        var cell = Unravel(token, grid);
                        var within = Unravel(offset, Enumerable.Repeat((long)patch, dims).ToArray());
                        long index = n * channels + c;
                        for (int axis = 0; axis < dims; axis++) index = index * spatial[axis] + cell[axis] * patch + within[axis];
                        patches[k++] = image[index];
                    }

        var back = model.Unpatchify(Tensor.FromArray(patches, [b, tokens, patchVolume * channels]));
        Assert.Equal([b, channels, .. spatial], back.Shape);
        Assert.Equal(image, back.ToArray<float>());
    }

    private static long[] Unravel(long index, long[] shape)
    {
        var coord = new long[shape.Length];
        for (int axis = shape.Length - 1; axis >= 0; axis--) { coord[axis] = index % shape[axis]; index /= shape[axis]; }
        return coord;
    }

    [Fact]
    public void OneTimestepForTheBatchEqualsItRepeated()
    {
        var config = DitTestModels.Tiny(2);
        using var model = DitTestModels.Randomized(new Dit(config), 8);
        using var scope = NewDisposeScope();
        var (x, _, covariates) = DitTestModels.Inputs(config, 2, 9);
        var one = model.Forward(x, Tensor.FromArray([417L]), covariates);
        var scalar = model.Forward(x, Tensor.Scalar(417L, DType.Int64), covariates);
        var repeated = model.Forward(x, Tensor.FromArray([417L, 417L]), covariates);
        Assert.Equal(repeated.ToArray<float>(), one.ToArray<float>());
        Assert.Equal(repeated.ToArray<float>(), scalar.ToArray<float>());
    }

    public static TheoryData<string, string> BadInputs => new()
    {
        { "spatial-size", "x must be (B, 2, 8, 4) for this DiT (input_size is fixed by its position embedding); got [2, 2, 8, 8]" },
        { "channels", "x must be (B, 2, 8, 4)" },
        { "dims", "x must be (B, 2, 8, 4)" },
        { "timesteps", "timesteps must be (B,) or (1,) with B=2; got [3]" },
        { "covariates-on-unconditional", "covariates were given but the DiT has num_covariates=0" },
        { "covariate-count", "covariates must be (B, 2) with B=2; got [2, 3]" },
        { "given-without-covariates", "a given mask was passed without covariates" },
        { "given-not-bool", "given must be a (B,) bool mask with B=2; got Int64 [2]" },
        { "given-batch", "given must be a (B,) bool mask with B=2; got Bool [3]" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputsFailClearly(string what, string expected)
    {
        var config = DitTestModels.Tiny(2);
        using var model = new Dit(what == "covariates-on-unconditional" ? config with { NumCovariates = 0 } : config);
        using var scope = NewDisposeScope();
        var (x, t, covariates) = DitTestModels.Inputs(config, 2, 1);
        var given = DitTestModels.Mask(true, false);
        Action call = what switch
        {
            "spatial-size" => () => model.Forward(Tensor.Zeros([2, 2, 8, 8]), t),
            "channels" => () => model.Forward(Tensor.Zeros([2, 3, 8, 4]), t),
            "dims" => () => model.Forward(Tensor.Zeros([2, 2, 8, 4, 1]), t),
            "timesteps" => () => model.Forward(x, Tensor.FromArray([1L, 2L, 3L]), covariates),
            "covariates-on-unconditional" => () => model.Forward(x, t, covariates),
            "covariate-count" => () => model.Forward(x, t, Tensor.Zeros([2, 3])),
            "given-without-covariates" => () => model.Forward(x, t, null, given),
            "given-not-bool" => () => model.Forward(x, t, covariates, Tensor.FromArray([1L, 0L])),
            _ => () => model.Forward(x, t, covariates, DitTestModels.Mask(true, false, true)),
        };
        var e = Assert.Throws<ArgumentException>(call);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ACheckpointForAnotherGridIsRefusedNamingTheFileAndTheKey()
    {
        using var model = new Dit(DitFixtures.Config("dit2d") with { InputSize = [4, 4] });
        var e = Assert.Throws<InvalidDataException>(() => model.LoadCheckpoint(DitFixtures.Weights("dit2d"), "dit2d.weights.safetensors"));
        Assert.Contains("dit2d.weights.safetensors", e.Message);
        Assert.Contains("pos_embed: checkpoint [1, 16, 48], model [1, 4, 48]", e.Message);
    }
}

[Collection(nameof(SerialCollection))]
public class DitMemoryTests
{
    [Fact]
    public void ForwardLeavesNoLiveTensorsBehind()
    {
        using var model = DitFixtures.Loaded("dit3d");
        var io = DitFixtures.Io("dit3d");
        using var noGrad = NoGrad();
        void Run()
        {
            using var scope = NewDisposeScope();
            model.Forward(Tensor.FromHost(io["x"]), Tensor.FromHost(io["timesteps"]), Tensor.FromHost(io["covariates"]), Tensor.FromHost(io["given"]));
        }
        Run();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = Tensor.LiveCount;
        Run();
        Assert.True(Tensor.LiveCount <= before, $"{Tensor.LiveCount - before} tensors outlived the forward's scope");
    }
}
