using BrainGen.Models.Conditioning;
using BrainGen.Torch;
using BrainGen.Torch.NN;

namespace BrainGen.Models.Denoisers;

/// <summary>
/// A <see cref="DiffusionUNet"/> as an <see cref="IDenoiser"/>: covariate rows (B, K) become
/// concatenated channels and/or a (B, 1, K) cross-attention context as the
/// <see cref="ConditioningSpec"/> says; rows not given take the null value (MONAI 1.5's unconditional).
/// Owns the UNet.
/// </summary>
public sealed class UNetDenoiser(DiffusionUNet unet, ConditioningSpec conditioning) : IDenoiser
{
    public const string DenoiserKind = "unet";

    public DiffusionUNet UNet { get; } = unet;
    public ConditioningSpec Conditioning { get; } = conditioning;
    public string Kind => DenoiserKind;
    public Module Network => UNet;
    public int LatentChannels => UNet.Config.OutChannels;

    public Tensor Predict(Tensor latents, Tensor timesteps, Tensor? covariates, Tensor? given)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var spec = Conditioning;
        var input = latents;
        Tensor? context = null;
        if (!spec.IsUnconditional)
        {
            var rows = covariates?.To(latents.DType) ?? Tensor.Full([latents.Size(0), spec.Count], spec.NullValue, latents.DType, latents.Device);
            if (given is not null && covariates is not null)
                rows = Tensor.Where(given.To(rows.Device, DType.Bool).Unsqueeze(1), rows, Tensor.Full([1, 1], spec.NullValue, rows.DType, rows.Device));
            if (spec.Concat) input = Tensor.Cat([latents, ConditioningSpec.ConcatChannels(rows, latents.Shape[2..])], 1);
            if (spec.CrossAttention) context = ConditioningSpec.Context(rows);
        }
        return UNet.Forward(input, timesteps, context).MoveToOuterScope();
    }

    public void Dispose() => UNet.Dispose();
}
