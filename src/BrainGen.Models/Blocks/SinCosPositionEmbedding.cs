using BrainGen.Torch;

namespace BrainGen.Models.Blocks;

/// <summary>
/// Fixed sin-cos position embedding of a patch grid, the n-D form of DiT's <c>get_2d_sincos_pos_embed</c>
/// (from MAE's <c>util/pos_embed.py</c>). The embedding dimension D is split into n equal blocks of D/n, one
/// per spatial axis, so D must be divisible by 2n (4 in 2D, 6 in 3D). Block k encodes the coordinate along axis
/// n-1-k: the last (fastest-varying) axis first, as DiT's 2D puts the w coordinate first; so in 3D the blocks
/// are [W, H, D], in 2D [W, H] (DiT's exact layout). Each block is MAE's 1D embedding of width m = D/n:
/// [sin(pos·ω_j), cos(pos·ω_j)], ω_j = 10000^(-j/(m/2)), j &lt; m/2. Tokens are in row-major order of the
/// grid, as the patch-embed conv flattens them. Computed in float64 (as numpy does in DiT), cast to fp32.
/// This differs from MONAI's 3D layout ([axis 1, axis 0, axis 2]); weights never depend on it, only a
/// model's own tokens do.
/// </summary>
public static class SinCosPositionEmbedding
{
    // grid (g0, ..., g_{n-1}) -> (1, T, D), T = Π g
    public static Tensor Build(long embedDim, long[] grid)
    {
        int n = grid.Length;
        if (n == 0 || embedDim % (2 * n) != 0)
            throw new ArgumentException($"a {n}D sin-cos position embedding needs a dimension divisible by {2 * n}; got {embedDim}");
        long tokens = grid.Aggregate(1L, (a, b) => a * b);
        long block = embedDim / n, half = block / 2;
        var omega = new double[half];
        for (long j = 0; j < half; j++) omega[j] = 1.0 / Math.Pow(10000, j / (double)half);

        var values = new float[tokens * embedDim];
        var coord = new long[n];
        for (long token = 0; token < tokens; token++)
        {
            long rest = token;
            for (int axis = n - 1; axis >= 0; axis--) { coord[axis] = rest % grid[axis]; rest /= grid[axis]; }
            long row = token * embedDim;
            for (int k = 0; k < n; k++)
            {
                double pos = coord[n - 1 - k];
                long offset = row + k * block;
                for (long j = 0; j < half; j++)
                {
                    double angle = pos * omega[j];
                    values[offset + j] = (float)Math.Sin(angle);
                    values[offset + half + j] = (float)Math.Cos(angle);
                }
            }
        }
        return Tensor.FromArray(values, [1, tokens, embedDim]);
    }
}
