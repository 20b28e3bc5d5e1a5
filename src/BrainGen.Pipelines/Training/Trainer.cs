using System.Diagnostics;
using BrainGen.Imaging;
using BrainGen.Torch;
using BrainGen.Torch.NN;
using BrainGen.Torch.Optim;

namespace BrainGen.Pipelines.Training;

/// <summary>One progress report: after <see cref="Step"/> of <see cref="TotalSteps"/>, the step's loss terms, throughput and ETA.</summary>
public sealed record TrainingProgress(long Step, long TotalSteps, IReadOnlyList<(string Name, double Value)> Losses, double LearningRate,
                                      double SamplesPerSecond, TimeSpan Eta, string? Message = null);

/// <summary>How a run ended: the step reached, whether it was stopped early (no final save), and where its results are.</summary>
public sealed record TrainingResult(long Step, bool Stopped, long ResumedFrom, TimeSpan Elapsed, string RunFolder, string? Export);

/// <summary>
/// The loop both stages share. Each step: reseed the default engine generator from (seed, step)
/// (anything that draws from it, like dropout, is then a function of the step), set the warmup +
/// cosine learning rate, run the stage's step, log. Every <c>checkpoint_every</c> steps the models,
/// optimizers, EMA and the training generator go to an atomic checkpoint; a resumed run loads the
/// newest complete one and continues with the same batches and random draws, so on the CPU it ends
/// with the same bytes as a run never stopped. Cancellation stops between steps without saving,
/// which is what a kill looks like to the next run.
/// </summary>
public abstract class Trainer : IDisposable
{
    protected Trainer(string runFolder, OptimizationConfig optimization, ulong seed, Device device)
    {
        RunFolder = Path.GetFullPath(runFolder);
        Optimization = optimization;
        Seed = seed;
        Device = device;
        Generator = new Generator(DataOrder.Mix(seed, 0, 0x7a1_9e4eUL));
        Schedule = new WarmupCosineSchedule(optimization.LearningRate, optimization.WarmupSteps, optimization.Steps, optimization.MinLearningRate);
    }

    public string RunFolder { get; }
    public OptimizationConfig Optimization { get; }
    public ulong Seed { get; }
    public Device Device { get; }

    /// <summary>The training generator: noise, timesteps, posterior samples, CFG dropout. Its state is checkpointed.</summary>
    protected Generator Generator { get; }
    protected WarmupCosineSchedule Schedule { get; }

    protected abstract string Title { get; }
    protected abstract IReadOnlyList<string> LossTerms { get; }

    /// <summary>One optimization step at (0-based) <paramref name="step"/>; returns the loss terms in <see cref="LossTerms"/> order.</summary>
    protected abstract double[] TrainStep(long step, double learningRate);

    /// <summary>Tensor files of a checkpoint (file name -> state dict).</summary>
    protected abstract Dictionary<string, Dictionary<string, HostTensor>> CheckpointTensors();

    protected abstract void LoadCheckpoint(string dir);

    protected abstract void WritePreview(long step);

    /// <summary>Writes the run's product (an autoencoder or a model folder); returns its path.</summary>
    protected abstract string Export();

    protected virtual TrainingState DescribeState(TrainingState state) => state;

    protected virtual void OnResumed(TrainingState state) { }

    /// <summary>The lock file that keeps a second process from training into a run folder.</summary>
    public const string LockFile = ".braingen.lock";

    /// <summary>
    /// Takes the run folder's exclusive lock (creating the folder): a second process training into it
    /// would append every step to loss.csv a second time and race on checkpoints. Released when
    /// disposed or when the process ends, so a run killed with kill -9 can be resumed at once.
    /// </summary>
    public static OutputLock LockRunFolder(string runFolder) =>
        OutputLock.Acquire(Path.Combine(Path.GetFullPath(runFolder), LockFile), Path.GetFullPath(runFolder));

    public TrainingResult Run(bool resume, IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        using var runLock = LockRunFolder(RunFolder);
        var store = new CheckpointStore(RunFolder, Optimization.KeepCheckpoints);
        long step = 0;
        if (resume)
        {
            var dir = store.Latest(w => progress?.Report(Report(0, [], 0, 0, TimeSpan.Zero, w)));
            if (dir is null)
                throw new InvalidDataException($"{store.Folder}: --resume found no complete checkpoint to continue from");
            var state = CheckpointStore.ReadState(dir);
            LoadCheckpoint(dir);
            Generator.SetState(CheckpointStore.DecodeGenerator(state, dir));
            step = state.Step;
            OnResumed(state);
            progress?.Report(Report(step, [], 0, 0, TimeSpan.Zero, $"resumed from {dir}"));
        }
        long resumedFrom = step;
        var log = new LossLog(RunFolder, LossTerms, step);
        var window = Stopwatch.StartNew();
        long windowStart = step;
        while (step < Optimization.Steps)
        {
            if (cancel.IsCancellationRequested) return new TrainingResult(step, true, resumedFrom, clock.Elapsed, RunFolder, null);
            Torch.Torch.ManualSeed(DataOrder.Mix(Seed, (ulong)step, 0xd00dUL));
            double lr = Schedule.At(step);
            var losses = TrainStep(step, lr);
            step++;
            RequireFiniteLosses(step, losses);
            log.Append(step, lr, losses);
            if (step % Optimization.LogEvery == 0 || step == Optimization.Steps || step == resumedFrom + 1)
            {
                double seconds = Math.Max(1e-9, window.Elapsed.TotalSeconds);
                double rate = (step - windowStart) * Optimization.BatchSize / seconds;
                var eta = TimeSpan.FromSeconds((Optimization.Steps - step) * seconds / Math.Max(1, step - windowStart));
                progress?.Report(Report(step, losses, lr, rate, eta, null));
            }
            if (step % Optimization.PreviewEvery == 0 || step == Optimization.Steps)
            {
                WritePreview(step);
                log.WritePlot(Title);
            }
            if (step % Optimization.CheckpointEvery == 0 || step == Optimization.Steps)
            {
                var state = DescribeState(new TrainingState
                {
                    Step = step, SamplesSeen = step * Optimization.BatchSize,
                    GeneratorState = Convert.ToBase64String(Generator.GetState()), SavedUtc = DateTime.UtcNow,
                });
                store.Write(state, RequireFiniteTensors(step, CheckpointTensors()));
            }
        }
        log.WritePlot(Title);
        var export = Export();
        return new TrainingResult(step, false, resumedFrom, clock.Elapsed, RunFolder, export);
    }

    // A NaN/Inf loss means the weights are (or are about to be) garbage: stop at once, name the step,
    // write no checkpoint and export nothing, rather than report success with an all-NaN model.
    private void RequireFiniteLosses(long step, double[] losses)
    {
        for (int i = 0; i < losses.Length; i++)
            if (!double.IsFinite(losses[i]))
                throw new InvalidDataException($"{RunFolder}: step {step}/{Optimization.Steps}: the {LossTerms[i]} loss is {losses[i]} (not finite); training stopped, nothing exported " +
                    "(try a lower training.learning_rate, a training.grad_clip, or bf16: false)");
    }

    // Weights that went non-finite with a finite loss (the last update diverged) must not reach a checkpoint or the export.
    private Dictionary<string, Dictionary<string, HostTensor>> RequireFiniteTensors(long step, Dictionary<string, Dictionary<string, HostTensor>> files)
    {
        foreach (var (file, tensors) in files)
            foreach (var (key, tensor) in tensors)
                if (tensor.NonFiniteCount() is > 0 and var bad)
                    throw new InvalidDataException($"{RunFolder}: step {step}/{Optimization.Steps}: {file} tensor '{key}' holds {bad} non-finite values (NaN or Inf); training stopped, nothing checkpointed or exported");
        return files;
    }

    private TrainingProgress Report(long step, double[] losses, double lr, double rate, TimeSpan eta, string? message) =>
        new(step, Optimization.Steps, LossTerms.Zip(losses).Select(p => (p.First, p.Second)).ToList(), lr, rate, eta, message);

    /// <summary>Zero grads, backward, clip, step: the part of every optimization step that is the same everywhere.</summary>
    protected void BackwardAndStep(Tensor loss, Optimizer optimizer, double learningRate)
    {
        optimizer.ZeroGrad();
        loss.Backward();
        if (Optimization.GradClip > 0) GradientClipping.ClipGradNorm(optimizer.Parameters, Optimization.GradClip);
        optimizer.LearningRate = learningRate;
        optimizer.Step();
    }

    /// <summary>Runs <paramref name="forward"/> under bf16 autocast when the config asks for it.</summary>
    protected T Autocast<T>(Func<T> forward)
    {
        if (!Optimization.Bf16) return forward();
        using var autocast = Torch.Torch.Autocast(Device.Type);
        return forward();
    }

    protected static void ReadInto(Module module, string dir, string file) =>
        module.LoadStateDict(CheckpointStore.ReadTensors(dir, file), strict: true, source: Path.Combine(dir, file));

    protected static void ReadInto(Optimizer optimizer, string dir, string file) =>
        optimizer.LoadStateDict(CheckpointStore.ReadTensors(dir, file), Path.Combine(dir, file));

    protected static void ReadInto(ExponentialMovingAverage ema, string dir, string file)
    {
        try { ema.LoadStateDict(CheckpointStore.ReadTensors(dir, file)); }
        catch (InvalidDataException e) when (!e.Message.StartsWith(dir)) { throw new InvalidDataException($"{Path.Combine(dir, file)}: {e.Message}", e); }
    }

    public virtual void Dispose()
    {
        Generator.Dispose();
        GC.SuppressFinalize(this);
    }
}
