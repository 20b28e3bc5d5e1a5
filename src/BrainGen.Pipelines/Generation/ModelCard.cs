using System.Text;

namespace BrainGen.Pipelines.Generation;

/// <summary>The MODEL_CARD.md written into every model folder: what the model makes and how it was configured.</summary>
public static class ModelCard
{
    public static string Describe(LatentDiffusionModelConfig config, string? training = null)
    {
        var s = new StringBuilder();
        s.AppendLine($"# {config.Name}");
        s.AppendLine();
        s.AppendLine($"A BrainGen latent diffusion model ({config.Format}).");
        s.AppendLine();
        s.AppendLine("## Output");
        s.AppendLine($"- grid: {string.Join(" x ", config.Image.Shape)} voxels of {string.Join(" x ", config.Image.Spacing)} mm, RAS+");
        s.AppendLine($"- intensities: [{config.Image.IntensityMin}, {config.Image.IntensityMax}]");
        s.AppendLine();
        s.AppendLine("## Conditioning");
        if (config.Conditioning.IsUnconditional) s.AppendLine("- none (unconditional)");
        foreach (var c in config.Conditioning.Covariates)
            s.AppendLine(c.IsCategorical
                ? $"- {c.Name}: one of {string.Join(", ", c.Categories)}"
                : $"- {c.Name}: {c.Min} to {c.Max}{(c.Unit.Length > 0 ? " " + c.Unit : "")} (training range)");
        var ways = new List<string>();
        if (config.Conditioning.Concat) ways.Add("concatenated channels");
        if (config.Conditioning.CrossAttention) ways.Add("cross-attention context");
        if (ways.Count > 0) s.AppendLine($"- injected as {string.Join(" and ", ways)}; unconditional value {config.Conditioning.NullValue}");
        s.AppendLine();
        s.AppendLine("## Architecture");
        s.AppendLine($"- autoencoder: channels [{string.Join(", ", config.Autoencoder.Channels)}], latent channels {config.Autoencoder.LatentChannels}");
        if (config.UNet is { } unet)
            s.AppendLine($"- denoiser: UNet, channels [{string.Join(", ", unet.NumChannels)}], attention [{string.Join(", ", unet.AttentionLevels)}]");
        if (config.Dit is { } dit)
            s.AppendLine($"- denoiser: DiT, patch {dit.PatchSize}, hidden size {dit.HiddenSize}, depth {dit.Depth}, {dit.NumHeads} heads, {dit.NumTokens} tokens");
        s.AppendLine($"- noise: {config.Scheduler.Schedule} ({config.Scheduler.BetaStart}..{config.Scheduler.BetaEnd}, {config.Scheduler.NumTrainTimesteps} steps), predicts {config.Scheduler.PredictionType}; latent scale factor {config.ScaleFactor:G6}");
        if (training is not null)
        {
            s.AppendLine();
            s.AppendLine("## Training");
            s.AppendLine(training);
        }
        return s.ToString();
    }
}
