namespace BrainGen.Torch.NN;

/// <summary>GroupNorm over (B, C, *): keys weight (C), bias (C) when affine.</summary>
public sealed class GroupNorm : Module<Tensor, Tensor>
{
    public GroupNorm(long numGroups, long numChannels, double eps = 1e-5, bool affine = true)
    {
        if (numChannels % numGroups != 0) throw new ArgumentException($"{numChannels} channels do not split into {numGroups} groups");
        NumGroups = numGroups;
        Eps = eps;
        if (affine)
        {
            Weight = RegisterParameter("weight", Tensor.Ones([numChannels]));
            Bias = RegisterParameter("bias", Tensor.Zeros([numChannels]));
        }
    }

    public long NumGroups { get; }
    public double Eps { get; }
    public Tensor? Weight { get; }
    public Tensor? Bias { get; }

    public override Tensor Forward(Tensor input) => Functional.GroupNorm(input, NumGroups, Weight, Bias, Eps);
}

/// <summary>LayerNorm over the trailing <c>normalizedShape</c> dims: keys weight, bias.</summary>
public sealed class LayerNorm : Module<Tensor, Tensor>
{
    public LayerNorm(long[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true)
    {
        NormalizedShape = normalizedShape;
        Eps = eps;
        if (elementwiseAffine)
        {
            Weight = RegisterParameter("weight", Tensor.Ones(normalizedShape));
            Bias = RegisterParameter("bias", Tensor.Zeros(normalizedShape));
        }
    }

    public LayerNorm(long normalizedShape, double eps = 1e-5, bool elementwiseAffine = true) : this([normalizedShape], eps, elementwiseAffine) { }

    public long[] NormalizedShape { get; }
    public double Eps { get; }
    public Tensor? Weight { get; }
    public Tensor? Bias { get; }

    public override Tensor Forward(Tensor input) => Functional.LayerNorm(input, NormalizedShape, Weight, Bias, Eps);
}
