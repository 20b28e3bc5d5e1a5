namespace BrainGen.Torch.NN;

/// <summary>
/// BatchNorm over (B, C, *) for 1, 2 or 3 spatial dims (torch.nn.BatchNormNd): batch statistics while
/// training (updating the running ones with <c>momentum</c>), running statistics in eval mode.
/// Keys: weight, bias (C), running_mean, running_var (C), num_batches_tracked (int64 scalar).
/// </summary>
public sealed class BatchNorm : Module<Tensor, Tensor>
{
    public BatchNorm(long numFeatures, double eps = 1e-5, double momentum = 0.1)
    {
        (Eps, Momentum) = (eps, momentum);
        Weight = RegisterParameter("weight", Tensor.Ones([numFeatures]));
        Bias = RegisterParameter("bias", Tensor.Zeros([numFeatures]));
        RunningMean = RegisterBuffer("running_mean", Tensor.Zeros([numFeatures]));
        RunningVar = RegisterBuffer("running_var", Tensor.Ones([numFeatures]));
        NumBatchesTracked = RegisterBuffer("num_batches_tracked", Tensor.Scalar(0, DType.Int64));
    }

    public double Eps { get; }
    public double Momentum { get; }
    public Tensor Weight { get; }
    public Tensor Bias { get; }
    public Tensor RunningMean { get; }
    public Tensor RunningVar { get; }
    public Tensor NumBatchesTracked { get; }

    public override Tensor Forward(Tensor input)
    {
        if (Training)
        {
            // torch counts batches even though a fixed momentum ignores the count; kept so state dicts match.
            using var noGrad = Torch.NoGrad();
            NumBatchesTracked.Add_(1);
        }
        return Ops.BatchNorm(input, Weight, Bias, RunningMean, RunningVar, Training, Momentum, Eps, cudnnEnabled: true);
    }
}

/// <summary>
/// InstanceNorm over (B, C, *) as torch.nn.InstanceNormNd with its defaults (no affine parameters,
/// no running statistics): each sample and channel is normalized by its own spatial statistics.
/// </summary>
public sealed class InstanceNorm(double eps = 1e-5) : Module<Tensor, Tensor>
{
    public double Eps { get; } = eps;

    public override Tensor Forward(Tensor input) =>
        Ops.InstanceNorm(input, null, null, null, null, useInputStats: true, momentum: 0.1, Eps, cudnnEnabled: true);
}
