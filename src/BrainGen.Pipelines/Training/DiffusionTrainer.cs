using BrainGen.Imaging;
using BrainGen.Models.Tokenizers;
using BrainGen.Models.Conditioning;
using BrainGen.Models.Denoisers;
using BrainGen.Models.Schedulers;
using BrainGen.Pipelines.Generation;
using BrainGen.Torch;
using BrainGen.Torch.Optim;

namespace BrainGen.Pipelines.Training;

/// <summary>
/// Stage 2: a denoiser (the diffusion UNet or a DiT, <c>model.denoiser</c>) on cached autoencoder latents scaled by 1/std (computed once and stored
/// with the model), MSE against the scheduler's training target (ε by default), covariates from
/// participants.tsv normalized by their training ranges and dropped to the null value with
/// probability <c>conditioning.dropout</c> for classifier-free guidance (for the DiT the dropped rows are
/// marked not given, so they take its learned null embedding). Exports a model folder (model.json,
/// weights with the EMA denoiser, preprocessing.json) that `braingen generate --model` samples.
/// </summary>
public sealed class DiffusionTrainer : Trainer
{
    private readonly DiffusionRunConfig _config;
    private readonly TrainingDataset _data;
    private readonly DataOrder _order;
    private readonly AutoencoderKL _autoencoder;
    private readonly LatentCache _latents;
    private readonly Tensor _rows;  // (N, K) normalized covariates
    private readonly Tensor _given;  // (N, K) which of them the table gives
    private readonly IDenoiser _denoiser;
    private readonly AdamW _optimizer;
    private readonly ExponentialMovingAverage? _ema;
    private readonly IScheduler _scheduler;

    public DiffusionTrainer(DiffusionRunConfig config, string runFolder)
        : base(runFolder, config.Training, config.Seed, Device.Parse(config.Device))
    {
        _config = config.Validate("diffusion config");
        var (autoencoder, preprocessing, source) = AutoencoderArtifact.Load(config.Autoencoder);
        _autoencoder = autoencoder;
        AutoencoderSource = source;
        _autoencoder.To(Device);
        _data = TrainingDataset.Load(config.Data, preprocessing);
        _order = new DataOrder(_data.Count, config.Seed);
        Conditioning = CovariateTable.Spec(config.Conditioning, _data, Path.Combine(_data.Root, "participants.tsv"));
        var (rows, given) = CovariateTable.Rows(Conditioning, _data, Path.Combine(_data.Root, "participants.tsv"), Device);
        (_rows, _given) = (rows.DetachFromScope(), given.DetachFromScope());

        var weights = File.Exists(Path.Combine(source, "autoencoder.safetensors")) ? Path.Combine(source, "autoencoder.safetensors") : source;
        // The denoiser's config (and whether it fits the latent grid) before the latent cache writes anything.
        var latentSpatial = _autoencoder.LatentShape([1, _autoencoder.Config.InChannels, .. _data.Preprocessing.Shape.Select(s => (long)s)])[2..];
        if (config.Model.Denoiser == UNetModelConfig.Dit)
            DitConfig = BuildDitConfig(config, _autoencoder.Config.LatentChannels, latentSpatial, Conditioning);
        else
        {
            UNetConfig = BuildUNetConfig(config, _autoencoder.Config.LatentChannels, Conditioning);
            int factor = 1 << (UNetConfig.Levels - 1);
            if (latentSpatial.Any(s => s % factor != 0))
                throw new InvalidDataException($"latents of [{string.Join(", ", latentSpatial)}] do not divide by the UNet's downsampling factor {factor}: change data.preprocessing.shape or model.num_channels");
        }
        // Before the latent cache and the denoiser are allocated.
        var denoiserFootprint = DitConfig is { } d ? NetworkFootprint.Dit(d) : NetworkFootprint.UNet(UNetConfig!, latentSpatial);
        MemoryEstimate.DiffusionTraining(config, denoiserFootprint, _autoencoder.Config, _data.Preprocessing.Shape,
                [_autoencoder.Config.LatentChannels, .. latentSpatial], _data.Count)
            .EnsureFits(AvailableMemory.For(Device), "diffusion config", "lower model.num_channels (or hidden_size, depth), training.batch_size or the autoencoder's image shape");
        _latents = LatentCache.Build(RunFolder, _autoencoder, weights, _data, Device);
        ScaleFactor = _latents.ScaleFactor(config.SampleLatents, DataOrder.Mix(config.Seed, 1, 0x5ca1eUL));
        if (!_latents.Mu.Shape[2..].SequenceEqual(latentSpatial))
            throw new InvalidDataException($"{Path.Combine(RunFolder, "latents")}: cached latents of [{string.Join(", ", _latents.Mu.Shape[2..])}] are not the grid [{string.Join(", ", latentSpatial)}] of data.preprocessing.shape");

        Torch.Torch.ManualSeed(config.Seed);
        _denoiser = NewDenoiser();
        _denoiser.Network.Train();
        _denoiser.Network.To(Device);
        _optimizer = new AdamW(_denoiser.Network.Parameters(), config.Training.LearningRate, weightDecay: config.Training.WeightDecay);
        if (config.Training.EmaDecay > 0) _ema = new ExponentialMovingAverage(_denoiser.Network, config.Training.EmaDecay);
        SchedulerConfig = config.Noise.ToSchedulerConfig();
        _scheduler = SchedulerConfig.RectifiedFlow
            ? SchedulerConfig.CreateSampler(SamplerKind.RectifiedFlow, latentNumel: latentSpatial.Aggregate(1L, (a, b) => a * b))
            : SchedulerConfig.CreateSampler(SamplerKind.Ddpm);
    }

    public string AutoencoderSource { get; }
    public ConditioningSpec Conditioning { get; }
    public double ScaleFactor { get; }
    public bool LatentsReused => _latents.Reused;
    /// <summary>The UNet's config when model.denoiser is unet, else null.</summary>
    public DiffusionUNetConfig? UNetConfig { get; }
    /// <summary>The DiT's config when model.denoiser is dit, else null.</summary>
    public DitConfig? DitConfig { get; }
    public SchedulerConfig SchedulerConfig { get; }

    protected override string Title => "diffusion loss";
    protected override IReadOnlyList<string> LossTerms => ["mse"];

    public static DiffusionUNetConfig BuildUNetConfig(DiffusionRunConfig config, int latentChannels, ConditioningSpec spec)
    {
        var m = config.Model;
        bool cross = spec.CrossAttention && spec.Count > 0;
        var unet = new DiffusionUNetConfig
        {
            SpatialDims = 3, InChannels = latentChannels + (spec.Concat ? spec.Count : 0), OutChannels = latentChannels,
            NumChannels = m.NumChannels, NumResBlocks = m.NumResBlocks, AttentionLevels = m.AttentionLevels, NumHeadChannels = m.NumHeadChannels,
            NormNumGroups = m.NormNumGroups, TransformerNumLayers = m.TransformerNumLayers,
            WithConditioning = cross, CrossAttentionDim = cross ? spec.Count : null,
        };
        try { return unet.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"model: {e.Message}", e); }
    }

    /// <summary>The DiT over latents of <paramref name="latentSpatial"/>: input_size is the latent grid, one covariate input per conditioning covariate.</summary>
    public static DitConfig BuildDitConfig(DiffusionRunConfig config, int latentChannels, long[] latentSpatial, ConditioningSpec spec)
    {
        var m = config.Model;
        var dit = new DitConfig
        {
            SpatialDims = latentSpatial.Length, InputSize = latentSpatial.Select(s => checked((int)s)).ToArray(), InChannels = latentChannels,
            PatchSize = m.PatchSize, HiddenSize = m.HiddenSize, Depth = m.Depth, NumHeads = m.NumHeads, MlpRatio = m.MlpRatio,
            NumCovariates = spec.Count,
        };
        try { return dit.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"model: {e.Message} (the latent grid is [{string.Join(", ", latentSpatial)}])", e); }
    }

    // A freshly initialized denoiser of the configured kind, owned by the caller.
    private IDenoiser NewDenoiser() => DitConfig is { } dit ? new Dit(dit) : new UNetDenoiser(new DiffusionUNet(UNetConfig!), Conditioning);

    protected override double[] TrainStep(long step, double learningRate)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var batch = _order.Batch(step, Optimization.BatchSize);
        using var index = Tensor.FromArray(batch.Select(b => (long)b.Image).ToArray(), [batch.Length], Device);
        var mu = _latents.Mu.IndexSelect(0, index);
        var z0 = (_config.SampleLatents ? AutoencoderKL.Sample(mu, _latents.Sigma.IndexSelect(0, index), Generator) : mu) * ScaleFactor;
        var noise = Tensor.Randn(z0.Shape, Generator, z0.DType, Device);
        var timesteps = _scheduler is RectifiedFlowScheduler rf
            ? rf.SampleTrainingTimesteps(batch.Length, Generator).To(Device)
            : Tensor.RandInt(0, _scheduler.NumTrainTimesteps, [batch.Length], Generator).To(Device);
        var noisy = _scheduler.AddNoise(z0, noise, timesteps);
        var target = _scheduler.TrainingTarget(z0, noise, timesteps);
        Tensor? rows = null, rowGiven = null;
        if (!Conditioning.IsUnconditional)
        {
            var (batchRows, batchGiven) = (_rows.IndexSelect(0, index), _given.IndexSelect(0, index));
            if (DitConfig is null) rows = Conditioning.DropForGuidance(batchRows, batchGiven, _config.Conditioning.Dropout, Generator);
            else (rows, rowGiven) = Conditioning.DropForGuidanceWithMask(batchRows, batchGiven, _config.Conditioning.Dropout, Generator);
        }
        var prediction = Autocast(() => _denoiser.Predict(noisy, timesteps, rows, rowGiven)).Float();
        var loss = Functional.MseLoss(prediction, target);
        BackwardAndStep(loss, _optimizer, learningRate);
        _ema?.Update();
        return [loss.ToDouble()];
    }

    protected override TrainingState DescribeState(TrainingState state) => state with { ScaleFactor = ScaleFactor };

    protected override void OnResumed(TrainingState state)
    {
        if (state.ScaleFactor is { } stored && Math.Abs(stored - ScaleFactor) > 1e-12 * Math.Abs(stored))
            throw new InvalidDataException($"{RunFolder}: the checkpoint was trained with scale factor {stored:R}, the latents now give {ScaleFactor:R} (autoencoder or data changed)");
    }

    protected override Dictionary<string, Dictionary<string, HostTensor>> CheckpointTensors()
    {
        var files = new Dictionary<string, Dictionary<string, HostTensor>>
        {
            ["model.safetensors"] = _denoiser.Network.StateDictToHost(),
            ["optimizer.safetensors"] = _optimizer.StateDict(),
        };
        if (_ema is not null) files["ema.safetensors"] = _ema.StateDict();
        return files;
    }

    protected override void LoadCheckpoint(string dir)
    {
        ReadInto(_denoiser.Network, dir, "model.safetensors");
        ReadInto(_optimizer, dir, "optimizer.safetensors");
        if (_ema is not null) ReadInto(_ema, dir, "ema.safetensors");
    }

    private LatentDiffusionModelConfig ModelConfig() => new LatentDiffusionModelConfig
    {
        Name = _config.Name, Autoencoder = _autoencoder.Config, UNet = UNetConfig, Dit = DitConfig, Scheduler = SchedulerConfig, Conditioning = Conditioning,
        ScaleFactor = ScaleFactor,
        Image = new ImageGeometry { Shape = _data.Preprocessing.Shape, Spacing = _data.Preprocessing.Spacing, IntensityMin = 0, IntensityMax = 1 },
    }.Validate("trained model");

    /// <summary>previews/step-N.png: one DDIM sample from the current denoiser, conditioned on the first image's covariates.</summary>
    protected override void WritePreview(long step)
    {
        var sampler = _config.Noise.RectifiedFlow ? SamplerKind.RectifiedFlow : SamplerKind.Ddim;
        var model = new LatentDiffusionModel(ModelConfig(), _autoencoder, _denoiser);  // borrowed: not disposed here
        _denoiser.Network.Eval();
        try
        {
            using var noGrad = Torch.Torch.NoGrad();
            var request = new GenerationRequest { Sampler = sampler, Steps = _config.PreviewSamplingSteps, Device = Device };
            var row = Conditioning.IsUnconditional ? [] : _rows.Select(0, 0).To(Device.CPU).ToArray<float>().Select(v => (double)v).ToArray();
            var volume = new SyntheticCohortGenerator(model, _config.Name, RunFolder).GenerateOne(request, row, DataOrder.Mix(Seed, 2, 0x9e9UL));
            var options = new PreviewOptions { WindowMin = 0, WindowMax = 1, PanelPixels = 128 };
            Preview.WriteMontage([(_data.Images[0].Label, _data.Images[0].Volume), ($"sample step {step}", volume)],
                Path.Combine(RunFolder, "previews", $"step-{step:D6}.png"), columns: 2, options);
        }
        finally { _denoiser.Network.Train(); }
    }

    protected override string Export()
    {
        var exported = NewDenoiser();
        if (_ema is not null) _ema.CopyTo(exported.Network);
        else exported.Network.LoadStateDict(_denoiser.Network.StateDictToHost(), strict: true, "trained weights");
        var config = ModelConfig();
        var folder = Path.Combine(RunFolder, "model");
        var staging = folder + ".export";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        var model = new LatentDiffusionModel(config, _autoencoder, exported);  // the autoencoder is borrowed: only the exported denoiser is disposed
        try { model.Save(staging, ModelCard.Describe(config, TrainingSummary())); }
        finally { exported.Dispose(); }
        AutoencoderArtifact.WritePreprocessing(staging, _data.Preprocessing);
        AtomicFile.WriteAllText(Path.Combine(staging, "training.yaml"), TrainingConfigFile.ToYaml(_config));
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.Move(staging, folder);
        AtomicFile.SyncDirectory(RunFolder);
        return folder;
    }

    private string TrainingSummary() =>
        $"- {_data.Count} images from {_data.Root} ({_config.Data.Modality}), {Optimization.Steps} steps of batch {Optimization.BatchSize}, seed {Seed}\n" +
        $"- preprocessing: RAS+, {string.Join(" x ", _data.Preprocessing.Spacing)} mm, {string.Join(" x ", _data.Preprocessing.Shape)} voxels, {_data.Preprocessing.Normalization} normalization\n" +
        $"- autoencoder: {AutoencoderSource}; CFG dropout {_config.Conditioning.Dropout}; EMA {Optimization.EmaDecay}";

    public override void Dispose()
    {
        _denoiser.Dispose();
        _optimizer.Dispose();
        _ema?.Dispose();
        _latents.Dispose();
        _rows.Dispose();
        _given.Dispose();
        _autoencoder.Dispose();
        base.Dispose();
    }
}
