using BrainGen.Torch;
using BrainGen.Torch.NN;

namespace BrainGen.Pipelines.Evaluation;

/// <summary>
/// BatchNorm1d/2d/3d for inference only: normalizes with the running statistics, as PyTorch's
/// module does in eval mode. The engine has no BatchNorm module (BrainGen's own networks use
/// GroupNorm), and feature extractors are never trained here. Keys as PyTorch: weight, bias,
/// running_mean, running_var, num_batches_tracked (kept so checkpoints load strictly).
/// </summary>
public sealed class BatchNormEval : Module<Tensor, Tensor>
{
    public BatchNormEval(long channels, double eps = 1e-5)
    {
        Eps = eps;
        Weight = RegisterParameter("weight", Tensor.Ones([channels]), requiresGrad: false);
        Bias = RegisterParameter("bias", Tensor.Zeros([channels]), requiresGrad: false);
        RunningMean = RegisterBuffer("running_mean", Tensor.Zeros([channels]));
        RunningVar = RegisterBuffer("running_var", Tensor.Ones([channels]));
        RegisterBuffer("num_batches_tracked", Tensor.Zeros([], DType.Int64));
    }

    public double Eps { get; }
    public Tensor Weight { get; }
    public Tensor Bias { get; }
    public Tensor RunningMean { get; }
    public Tensor RunningVar { get; }

    // (B, C, *S) -> (B, C, *S); training = false: the running statistics are used and left unchanged.
    public override Tensor Forward(Tensor input) =>
        Ops.BatchNorm(input, Weight, Bias, RunningMean, RunningVar, training: false, momentum: 0.1, eps: Eps, cudnnEnabled: true);
}
