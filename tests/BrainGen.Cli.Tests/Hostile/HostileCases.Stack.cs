namespace BrainGen.Cli.Tests.Hostile;

/// <summary>
/// Issue 20: the generation stack. A model folder whose parts do not fit, or an unknown part kind,
/// is refused in one line naming model.json and the mismatch; a DiT that cannot cover the latent
/// grid is refused before training writes anything.
/// </summary>
public static partial class HostileCases
{
    private static string[] TrainDitOn(string dir, params string[] extra) =>
        [.. TrainDiffusionOn(dir, "70"), "--denoiser", "dit", "--set", "model.hidden_size=12", "--set", "model.num_heads=2", "--set", "model.depth=1", .. extra];

    public static IEnumerable<HostileCase> Stack =>
    [
        new("model: unknown denoiser kind", dir =>
        {
            var model = TinyModelFolder(dir);
            EditJson(Path.Combine(model, "model.json"), "denoiser.kind", "\"mamba\"");
            return Generate(dir, "--model", model);
        }, "model.json: unknown denoiser kind 'mamba' (known: unet, dit)", Check: NoOutput),
        new("model: unknown tokenizer kind", dir =>
        {
            var model = TinyModelFolder(dir);
            EditJson(Path.Combine(model, "model.json"), "tokenizer.kind", "\"vq\"");
            return Generate(dir, "--model", model);
        }, "model.json: unknown tokenizer kind 'vq'", Check: NoOutput),
        new("model: UNet input channels do not fit the latents", dir =>
        {
            var model = TinyModelFolder(dir);
            EditJson(Path.Combine(model, "model.json"), "denoiser.config.in_channels", "4");
            return Generate(dir, "--model", model);
        }, "model.json: the UNet takes 4 input channels", Check: NoOutput),
        new("model: a DiT in place of the UNet, input_size not the latent grid", dir =>
        {
            var model = TinyModelFolder(dir);
            EditJson(Path.Combine(model, "model.json"), "denoiser",
                "{\"kind\": \"dit\", \"config\": {\"spatial_dims\": 3, \"input_size\": [4, 4, 4], \"patch_size\": 2, \"in_channels\": 3, \"hidden_size\": 12, \"depth\": 1, \"num_heads\": 2, \"num_covariates\": 4}}");
            return Generate(dir, "--model", model);
        }, "is not the latent grid [4, 6, 4]", Check: NoOutput),
        new("train: DiT patch size does not divide the latent grid", dir => TrainDitOn(dir, "--set", "model.patch_size=4"),
            "patch_size=4 does not divide input_size[1]=6", Check: NoRunOutput),
        new("train: model.denoiser unknown", dir => [.. TrainDiffusionOn(dir, "70"), "--set", "model.denoiser=mamba"],
            "model.denoiser must be unet or dit (got 'mamba')", Check: NoRunOutput),
    ];
}
