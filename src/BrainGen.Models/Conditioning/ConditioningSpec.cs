using BrainGen.Torch;

namespace BrainGen.Models.Conditioning;

/// <summary>
/// How covariates reach the denoiser: broadcast as extra input channels (concat), as a (B, 1, K)
/// cross-attention context, or both (the MONAI brain-LDM bundle does both). Classifier-free
/// guidance needs an "unconditional" input: every covariate set to <see cref="NullValue"/>, as
/// MONAI 1.5's guided inferer does; training drops conditioning to it with some probability.
/// </summary>
public sealed record ConditioningSpec
{
    public IReadOnlyList<Covariate> Covariates { get; init; } = [];
    public bool Concat { get; init; }
    public bool CrossAttention { get; init; } = true;

    /// <summary>The value that stands for "no conditioning" (outside the normalized [0, 1] range).</summary>
    public double NullValue { get; init; } = -1;

    public int Count => Covariates.Count;
    public bool IsUnconditional => Covariates.Count == 0;

    public Covariate Find(string name) =>
        Covariates.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"the model has no covariate '{name}' (it has: {string.Join(", ", Covariates.Select(c => c.Name))})");

    /// <summary>
    /// Normalizes named raw values into one row in covariate order. A covariate without a value
    /// takes <paramref name="defaults"/>[name] if given, else the null value (conditioning on it is dropped).
    /// </summary>
    public double[] NormalizeRow(IReadOnlyDictionary<string, string> values, IReadOnlyDictionary<string, double>? defaults = null)
    {
        foreach (var name in values.Keys) Find(name);
        return Covariates.Select(c =>
        {
            var entry = values.FirstOrDefault(v => string.Equals(v.Key, c.Name, StringComparison.OrdinalIgnoreCase));
            if (entry.Key is not null) return c.Normalize(entry.Value);
            return defaults is not null && defaults.TryGetValue(c.Name, out var d) ? d : NullValue;
        }).ToArray();
    }

    /// <summary>(B, K) normalized covariates -> (B, 1, K) context for cross-attention.</summary>
    public static Tensor Context(Tensor rows) => rows.Unsqueeze(1);

    /// <summary>(B, K) normalized covariates -> (B, K, *spatial) channels to concatenate with the latent.</summary>
    public static Tensor ConcatChannels(Tensor rows, long[] spatial)
    {
        var shape = new long[2 + spatial.Length];
        shape[0] = rows.Size(0);
        shape[1] = rows.Size(1);
        Array.Fill(shape, 1L, 2, spatial.Length);
        return rows.Reshape(shape).Expand([rows.Size(0), rows.Size(1), .. spatial]);
    }

    /// <summary>Rows whose conditioning is dropped (set to the null value) with probability p: the CFG training trick.</summary>
    public Tensor DropForGuidance(Tensor rows, double probability, Generator? generator)
    {
        if (probability <= 0) return rows.Alias();
        using var scope = Torch.Torch.NewDisposeScope();
        var drop = Tensor.Rand([rows.Size(0), 1], generator, device: rows.Device).Lt(probability);  // (B, 1)
        return Tensor.Where(drop, Tensor.Full([1, 1], NullValue, rows.DType, rows.Device), rows).MoveToOuterScope();
    }
}
