using BrainGen.Physics;
using BrainGen.Physics.Tissue;

namespace BrainGen.Physics.Tests;

/// <summary>
/// A concentric-shell "brain" with exact partial-volume fractions (4³ supersampling): WM core, GM
/// shell, CSF shell, and a small CSF "ventricle" ball inside the WM. Used where a real head would make
/// a unit test slow.
/// </summary>
internal sealed class SyntheticBrain
{
    public VoxelGrid Grid { get; }
    public Dictionary<TissueClass, float[]> Fractions { get; } = new();
    public float[] Ventricle { get; }

    public SyntheticBrain(int n = 40, double spacing = 2.0, double wmRadius = 16, double gmRadius = 24, double csfRadius = 30, double ventricleRadius = 6)
    {
        Grid = new VoxelGrid(n, n, n, spacing, spacing, spacing);
        var csf = new float[Grid.Count]; var gm = new float[Grid.Count]; var wm = new float[Grid.Count];
        Ventricle = new float[Grid.Count];
        double c = (n - 1) / 2.0 * spacing;
        const int s = 4;
        for (int z = 0; z < n; z++)
            for (int y = 0; y < n; y++)
                for (int x = 0; x < n; x++)
                {
                    int i = Grid.Index(x, y, z);
                    for (int a = 0; a < s; a++)
                        for (int b = 0; b < s; b++)
                            for (int d = 0; d < s; d++)
                            {
                                double px = (x - 0.5 + (a + 0.5) / s) * spacing - c;
                                double py = (y - 0.5 + (b + 0.5) / s) * spacing - c;
                                double pz = (z - 0.5 + (d + 0.5) / s) * spacing - c;
                                // Slightly ellipsoidal so the shells are not perfectly symmetric.
                                double r = Math.Sqrt(px * px + 1.2 * py * py + 0.9 * pz * pz);
                                double rv = Math.Sqrt(Math.Pow(px - 3, 2) + py * py + pz * pz);
                                float w = 1f / (s * s * s);
                                if (rv < ventricleRadius) { csf[i] += w; Ventricle[i] += w; }
                                else if (r < wmRadius) wm[i] += w;
                                else if (r < gmRadius) gm[i] += w;
                                else if (r < csfRadius) csf[i] += w;
                            }
                }
        Fractions[TissueClass.Csf] = csf;
        Fractions[TissueClass.GreyMatter] = gm;
        Fractions[TissueClass.WhiteMatter] = wm;
    }

    public double VolumeMl(float[] map) => map.Sum(v => (double)v) * Grid.VoxelVolumeMl;

    /// <summary>Σ_k f_k·μ_k, times a linear bias along x, plus Gaussian noise; zero outside the head.</summary>
    public float[] Image(double csfLevel, double gmLevel, double wmLevel, double noiseSd, double biasAmplitude, ulong seed)
    {
        var random = new DeterministicRandom(seed);
        var image = new float[Grid.Count];
        for (int i = 0; i < image.Length; i++)
        {
            double f = Fractions[TissueClass.Csf][i] + Fractions[TissueClass.GreyMatter][i] + Fractions[TissueClass.WhiteMatter][i];
            double noise = random.NextGaussian() * noiseSd;
            if (f < 0.999) continue;
            double s = csfLevel * Fractions[TissueClass.Csf][i] + gmLevel * Fractions[TissueClass.GreyMatter][i] + wmLevel * Fractions[TissueClass.WhiteMatter][i];
            var (x, _, _) = Grid.Coordinates(i);
            double bias = 1 + biasAmplitude * (2.0 * x / (Grid.Nx - 1) - 1);
            image[i] = (float)Math.Max(1e-3, s * bias + noise);
        }
        return image;
    }
}
