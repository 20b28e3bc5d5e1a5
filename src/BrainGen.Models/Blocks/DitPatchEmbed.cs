using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Blocks;

/// <summary>
/// timm's <c>PatchEmbed</c> as DiT uses it, for 2D or 3D: a conv with kernel = stride = p (p² or p³ voxels per
/// token), its output flattened into tokens in row-major grid order. Key: <c>proj</c>. <c>Dit</c> initializes it
/// as DiT does, like a Linear: xavier_uniform on the (hidden, C·p^n) view of the weight, bias 0.
/// </summary>
public sealed class DitPatchEmbed : Module<Tensor, Tensor>
{
    public DitPatchEmbed(int spatialDims, long inChannels, long hiddenSize, long patchSize)
    {
        Proj = RegisterModule("proj", new Conv(spatialDims, inChannels, hiddenSize, patchSize, stride: patchSize));
    }

    public Conv Proj { get; }

    // (B, C, *S) -> (B, T, hidden), T = Π S/p
    public override Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return Proj.Forward(x).Flatten(2).Transpose(1, 2).MoveToOuterScope();
    }
}
