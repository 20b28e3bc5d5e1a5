using BrainGen.Imaging;
using BrainGen.Models.Tokenizers;
using BrainGen.Torch;
using BrainGen.Torch.NN;
using BrainGen.Torch.Optim;

namespace BrainGen.Pipelines.Training;

/// <summary>
/// Stage 1: a KL autoencoder on preprocessed, augmented images (GM 3D LDM tutorial): L1
/// reconstruction + kl_weight · KL, + perceptual_weight · perceptual when a feature network is
/// given, + adversarial_weight · least-squares PatchGAN from <c>adv_warmup_steps</c> on, with the
/// discriminator trained on (real, detached reconstruction) at the same steps. Exports the EMA
/// weights with the preprocessing to run/autoencoder/.
/// </summary>
public sealed class AutoencoderTrainer : Trainer
{
    private readonly AutoencoderRunConfig _config;
    private readonly TrainingDataset _data;
    private readonly DataOrder _order;
    private readonly AutoencoderKL _model;
    private readonly Adam _optimizer;
    private readonly ExponentialMovingAverage? _ema;
    private readonly PatchDiscriminator? _discriminator;
    private readonly Adam? _discriminatorOptimizer;
    private readonly PerceptualLoss? _perceptual;

    public AutoencoderTrainer(AutoencoderRunConfig config, string runFolder, TrainingDataset? data = null)
        : base(runFolder, config.Training, config.Seed, Device.Parse(config.Device))
    {
        _config = config.Validate("autoencoder config");
        MemoryEstimate.AutoencoderTraining(config).EnsureFits(AvailableMemory.For(Device), "autoencoder config",
            "lower model.channels, training.batch_size or data.preprocessing.shape");
        _data = data ?? TrainingDataset.Load(config.Data);
        _order = new DataOrder(_data.Count, config.Seed);
        // Initial weights come from the default generator: seed it so two runs start identical.
        Torch.Torch.ManualSeed(config.Seed);
        _model = new AutoencoderKL(config.Model.ToModelConfig());
        _model.To(Device);
        _optimizer = new Adam(_model.Parameters(), config.Training.LearningRate, weightDecay: config.Training.WeightDecay);
        if (config.Training.EmaDecay > 0) _ema = new ExponentialMovingAverage(_model, config.Training.EmaDecay);
        if (config.Loss.AdversarialWeight > 0)
        {
            var d = config.Loss.Discriminator;
            _discriminator = new PatchDiscriminator(d.Layers, d.Channels, 1, d.Norm);
            _discriminator.To(Device);
            _discriminatorOptimizer = new Adam(_discriminator.Parameters(), d.LearningRate);
        }
        if (config.Loss.PerceptualWeight > 0 && !string.IsNullOrWhiteSpace(config.Loss.PerceptualNetwork))
            _perceptual = PerceptualLoss.Load(config.Loss.PerceptualNetwork, Device);
    }

    public AutoencoderKL Model => _model;
    public bool UsesPerceptualLoss => _perceptual is not null;

    protected override string Title => "autoencoder loss";

    protected override IReadOnlyList<string> LossTerms => ["l1", "kl", "perceptual", "generator_adv", "discriminator"];

    protected override double[] TrainStep(long step, double learningRate)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var x = _data.Batch(_order.Batch(step, Optimization.BatchSize), _config.Data.Augmentation, Seed, Device);
        var (reconstruction, mu, sigma) = Autocast(() => _model.Forward(x, Generator));
        reconstruction = reconstruction.Float();
        var l1 = Functional.L1Loss(reconstruction, x);
        var kl = KlDivergence(mu.Float(), sigma.Float());
        var loss = l1 + kl * _config.Loss.KlWeight;
        double perceptualValue = 0, generatorAdv = 0, discriminatorValue = 0;
        if (_perceptual is not null)
        {
            var p = _perceptual.Loss(reconstruction, x);
            perceptualValue = p.ToDouble();
            loss = loss + p * _config.Loss.PerceptualWeight;
        }
        bool adversarial = _discriminator is not null && step >= _config.Loss.AdvWarmupSteps;
        if (adversarial)
        {
            var fake = Autocast(() => _discriminator!.Forward(reconstruction)).Float();
            var g = PatchDiscriminator.LeastSquares(fake, 1.0);
            generatorAdv = g.ToDouble();
            loss = loss + g * _config.Loss.AdversarialWeight;
        }
        BackwardAndStep(loss, _optimizer, learningRate);
        _ema?.Update();

        if (adversarial)
        {
            // The discriminator sees the reconstruction as it was before this step's update, detached (GM tutorial order).
            var fake = Autocast(() => _discriminator!.Forward(reconstruction.Detach())).Float();
            var real = Autocast(() => _discriminator!.Forward(x)).Float();
            var d = (PatchDiscriminator.LeastSquares(fake, 0.0) + PatchDiscriminator.LeastSquares(real, 1.0)) * 0.5;
            discriminatorValue = d.ToDouble();
            var dLoss = d * _config.Loss.AdversarialWeight;
            double dRate = _config.Loss.Discriminator.LearningRate * learningRate / Optimization.LearningRate;
            BackwardAndStep(dLoss, _discriminatorOptimizer!, dRate);
        }
        return [l1.ToDouble(), kl.ToDouble(), perceptualValue, generatorAdv, discriminatorValue];
    }

    /// <summary>KL(N(mu, sigma²) ‖ N(0, 1)) summed over latent voxels and channels, averaged over the batch (GM's kl_loss).</summary>
    public static Tensor KlDivergence(Tensor mu, Tensor sigma)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var variance = sigma.Square();
        var perVoxel = mu.Square() + variance - (variance + 1e-12).Log() - 1.0;
        var dims = Enumerable.Range(1, mu.Dim - 1).Select(d => (long)d).ToArray();
        return ((perVoxel.Sum(dims) * 0.5).Sum() / mu.Size(0)).MoveToOuterScope();
    }

    protected override Dictionary<string, Dictionary<string, HostTensor>> CheckpointTensors()
    {
        var files = new Dictionary<string, Dictionary<string, HostTensor>>
        {
            ["model.safetensors"] = _model.StateDictToHost(),
            ["optimizer.safetensors"] = _optimizer.StateDict(),
        };
        if (_ema is not null) files["ema.safetensors"] = _ema.StateDict();
        if (_discriminator is not null)
        {
            files["discriminator.safetensors"] = _discriminator.StateDictToHost();
            files["discriminator_optimizer.safetensors"] = _discriminatorOptimizer!.StateDict();
        }
        return files;
    }

    protected override void LoadCheckpoint(string dir)
    {
        ReadInto(_model, dir, "model.safetensors");
        ReadInto(_optimizer, dir, "optimizer.safetensors");
        if (_ema is not null) ReadInto(_ema, dir, "ema.safetensors");
        if (_discriminator is not null)
        {
            ReadInto(_discriminator, dir, "discriminator.safetensors");
            ReadInto(_discriminatorOptimizer!, dir, "discriminator_optimizer.safetensors");
        }
    }

    /// <summary>previews/step-N.png: the first image and its reconstruction (means, no sampling) side by side.</summary>
    protected override void WritePreview(long step)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        using var noGrad = Torch.Torch.NoGrad();
        var image = _data.Images[0];
        var x = VolumeTensor.ToTensor(image.Volume, Device);
        var reconstruction = _model.Reconstruct(x);
        var volume = VolumeTensor.ToVolume(reconstruction.Select(0, 0), image.Volume.Affine);
        var options = new PreviewOptions { WindowMin = 0, WindowMax = 1, PanelPixels = 128 };
        Preview.WriteMontage([(image.Label, image.Volume), ($"recon step {step}", volume)],
            Path.Combine(RunFolder, "previews", $"step-{step:D6}.png"), columns: 2, options);
    }

    protected override string Export()
    {
        using var export = new AutoencoderKL(_model.Config);
        if (_ema is not null) _ema.CopyTo(export);
        else export.LoadStateDict(_model.StateDictToHost(), strict: true, "trained weights");
        var folder = Path.Combine(RunFolder, "autoencoder");
        AutoencoderArtifact.Save(folder, export, _data.Preprocessing);
        return folder;
    }

    public override void Dispose()
    {
        _model.Dispose();
        _optimizer.Dispose();
        _ema?.Dispose();
        _discriminator?.Dispose();
        _discriminatorOptimizer?.Dispose();
        _perceptual?.Dispose();
        base.Dispose();
    }
}
