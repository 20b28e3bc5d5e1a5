namespace BrainGen.Torch.NN;

/// <summary>y = x Wᵀ + b. Keys: weight (out, in), bias (out).</summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    public Linear(long inFeatures, long outFeatures, bool bias = true)
    {
        Weight = RegisterParameter("weight", Tensor.Empty([outFeatures, inFeatures]));
        Init.KaimingUniform_(Weight, Math.Sqrt(5));
        if (bias)
        {
            Bias = RegisterParameter("bias", Tensor.Empty([outFeatures]));
            Init.FanInUniform_(Bias, inFeatures);
        }
    }

    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public override Tensor Forward(Tensor input) => Functional.Linear(input, Weight, Bias);  // (..., in) -> (..., out)
}
