namespace BrainGen.Torch.Optim;

/// <summary>
/// Linear warmup from 0 to the base rate over <c>WarmupSteps</c>, then cosine decay to
/// <c>MinLearningRate</c> at <c>TotalSteps</c> (Loshchilov and Hutter 2017, SGDR without restarts).
/// With a zero minimum this is MONAI's WarmupCosineSchedule (a LambdaLR: step 0 runs at rate 0,
/// step <c>WarmupSteps</c> at the base rate), compared value by value in the engine tests.
/// </summary>
public sealed record WarmupCosineSchedule(double BaseLearningRate, long WarmupSteps, long TotalSteps, double MinLearningRate = 0)
{
    /// <summary>The rate for the step about to run (0-based).</summary>
    public double At(long step)
    {
        if (step < WarmupSteps) return BaseLearningRate * step / WarmupSteps;
        if (step >= TotalSteps) return MinLearningRate;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return MinLearningRate + 0.5 * (BaseLearningRate - MinLearningRate) * (1 + Math.Cos(Math.PI * progress));
    }

    public void Apply(Optimizer optimizer, long step) => optimizer.LearningRate = At(step);
}
