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
    /// takes <paramref name="defaults"/>[name] if given (it is then given), else the null value and
    /// is marked not given (conditioning on it is dropped).
    /// </summary>
    public CovariateRow NormalizeRow(IReadOnlyDictionary<string, string> values, IReadOnlyDictionary<string, double>? defaults = null)
    {
        foreach (var name in values.Keys) Find(name);
        var row = new double[Count];
        var given = new bool[Count];
        for (int k = 0; k < Count; k++)
        {
            var c = Covariates[k];
            var entry = values.FirstOrDefault(v => string.Equals(v.Key, c.Name, StringComparison.OrdinalIgnoreCase));
            if (entry.Key is not null) (row[k], given[k]) = (c.Normalize(entry.Value), true);
            else if (defaults is not null && defaults.TryGetValue(c.Name, out var d)) (row[k], given[k]) = (d, true);
            else row[k] = NullValue;
        }
        return new CovariateRow(row, given);
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

    /// <summary>
    /// (B, K) rows with every covariate not <paramref name="given"/> (B, K) set to the null value, and
    /// each row's whole conditioning dropped to it with probability p: the CFG training trick. Which
    /// covariates are missing comes from the mask, never from comparing values with the null value.
    /// </summary>
    public Tensor DropForGuidance(Tensor rows, Tensor given, double probability, Generator? generator)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var nullValue = Tensor.Full([1, 1], NullValue, rows.DType, rows.Device);
        var kept = Tensor.Where(given.To(rows.Device, DType.Bool), rows, nullValue);
        if (probability > 0)
        {
            var drop = Tensor.Rand([rows.Size(0), 1], generator, device: rows.Device).Lt(probability);  // (B, 1)
            kept = Tensor.Where(drop, nullValue, kept);
        }
        return kept.MoveToOuterScope();
    }

    /// <summary>
    /// <see cref="DropForGuidance(Tensor, Tensor, double, Generator?)"/> in mask form, for denoisers that take a
    /// given-mask (the DiT's learned null embedding): the same rows (same random draws) and a (B,) bool mask that is
    /// false for every row dropped and every row with no covariate given at all.
    /// </summary>
    public (Tensor Rows, Tensor RowGiven) DropForGuidanceWithMask(Tensor rows, Tensor given, double probability, Generator? generator)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var mask = given.To(rows.Device, DType.Bool);
        var nullValue = Tensor.Full([1, 1], NullValue, rows.DType, rows.Device);
        var kept = Tensor.Where(mask, rows, nullValue);
        var rowGiven = Ops.AnyDim(mask, 1);                                                                // (B,)
        if (probability > 0)
        {
            var drop = Tensor.Rand([rows.Size(0), 1], generator, device: rows.Device).Lt(probability);  // (B, 1)
            kept = Tensor.Where(drop, nullValue, kept);
            rowGiven = Ops.LogicalAnd(rowGiven, Ops.LogicalNot(drop.Squeeze(1)));
        }
        return (kept.MoveToOuterScope(), rowGiven.MoveToOuterScope());
    }
}
