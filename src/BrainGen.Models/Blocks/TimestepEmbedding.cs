using BrainGen.Torch;
using BrainGen.Torch.NN;
using static BrainGen.Torch.Torch;

namespace BrainGen.Models.Blocks;

/// <summary>
/// GM's time embedding MLP, <c>time_embed</c> = Sequential(Linear(C0→E), SiLU, Linear(E→E)): keys <c>0</c>
/// and <c>2</c>. <see cref="Sinusoidal"/> is GM's <c>get_timestep_embedding</c>.
/// </summary>
public sealed class TimestepEmbedding : Module<Tensor, Tensor>
{
    public TimestepEmbedding(long inChannels, long embChannels)
    {
        Linear1 = RegisterModule("0", new Linear(inChannels, embChannels));
        RegisterModule("1", new SiLU());
        Linear2 = RegisterModule("2", new Linear(embChannels, embChannels));
    }

    public Linear Linear1 { get; }
    public Linear Linear2 { get; }

    // (B, C0) -> (B, E)
    public override Tensor Forward(Tensor tEmb)
    {
        using var scope = NewDisposeScope();
        return Linear2.Forward(Functional.Silu(Linear1.Forward(tEmb))).MoveToOuterScope();
    }

    /// <summary>
    /// Sinusoidal embedding of Ho et al. as GM writes it: freqs = exp(-ln(maxPeriod)·i/half), i &lt; half = dim/2;
    /// [cos(t·freqs), sin(t·freqs)] — cos first, no flip; a zero column is appended for odd dims. fp32 result.
    /// </summary>
    // timesteps (B,) of ints or floats -> (B, dim)
    public static Tensor Sinusoidal(Tensor timesteps, long dim, double maxPeriod = 10000)
    {
        if (timesteps.Dim != 1) throw new ArgumentException($"timesteps must be a 1-d tensor (B,), got shape [{string.Join(", ", timesteps.Shape)}]");
        using var scope = NewDisposeScope();
        long half = dim / 2;
        var exponent = Tensor.Arange(0, half, dtype: DType.Float32, device: timesteps.Device) * -Math.Log(maxPeriod);
        var freqs = (exponent / (double)half).Exp();                     // (half,)
        var args = timesteps.Float().Unsqueeze(1) * freqs.Unsqueeze(0);  // (B, half)
        var emb = Tensor.Cat([args.Cos(), args.Sin()], 1);               // (B, 2·half)
        if (dim % 2 == 1) emb = Functional.Pad(emb, [0, 1, 0, 0]);
        return emb.MoveToOuterScope();
    }
}
