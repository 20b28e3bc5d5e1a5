using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Blocks;

/// <summary>
/// GM's <c>AttentionBlock</c> (the same in its AutoencoderKL and its UNet): self-attention over the
/// voxels with a residual, <c>x + attn(norm(x))</c>, scale 1/√(C/heads); the autoencoder uses one head
/// (head channels = channels). Keys: <c>norm</c>, <c>to_q</c>, <c>to_k</c>, <c>to_v</c> (with bias), <c>proj_attn</c>.
/// GM builds <c>proj_attn</c> but never applies it, so a GM checkpoint's proj_attn is dead weight;
/// MONAI-core (<c>include_fc=True</c>, its <c>attn.out_proj</c>) applies it. <paramref name="applyOutputProjection"/>
/// picks the semantics: false is GM (and the brain-LDM bundle), true is MONAI-core include_fc.
/// </summary>
public sealed class AttentionBlock : Module<Tensor, Tensor>
{
    public AttentionBlock(long channels, long headChannels, long normGroups, double normEps, bool applyOutputProjection = false)
    {
        if (headChannels < 1 || channels % headChannels != 0)
            throw new ArgumentException($"an attention block over {channels} channels needs num_head_channels dividing it (got {headChannels})");
        NumHeads = channels / headChannels;
        ApplyOutputProjection = applyOutputProjection;
        Norm = RegisterModule("norm", new GroupNorm(normGroups, channels, normEps));
        ToQ = RegisterModule("to_q", new Linear(channels, channels));
        ToK = RegisterModule("to_k", new Linear(channels, channels));
        ToV = RegisterModule("to_v", new Linear(channels, channels));
        ProjAttn = RegisterModule("proj_attn", new Linear(channels, channels));
    }

    public long NumHeads { get; }
    public bool ApplyOutputProjection { get; }
    public GroupNorm Norm { get; }
    public Linear ToQ { get; }
    public Linear ToK { get; }
    public Linear ToV { get; }
    public Linear ProjAttn { get; }

    // (B, C, *S) -> (B, C, *S)
    public override Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var shape = x.Shape;
        long b = shape[0], c = shape[1];
        var h = Norm.Forward(x).Reshape(b, c, -1).Transpose(1, 2);  // (B, N, C)
        h = CrossAttention.Attend(ToQ.Forward(h), ToK.Forward(h), ToV.Forward(h), NumHeads, upcast: false);
        if (ApplyOutputProjection) h = ProjAttn.Forward(h);
        h = h.Transpose(1, 2).Reshape(shape);                      // (B, C, *S)
        return (h + x).MoveToOuterScope();
    }
}
