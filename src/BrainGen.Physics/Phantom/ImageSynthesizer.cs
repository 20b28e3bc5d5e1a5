using BrainGen.Physics.Signal;
using BrainGen.Physics.Tissue;

namespace BrainGen.Physics.Phantom;

/// <summary>
/// Turns a subject's tissue fractions into an MR image the way BrainWeb does (reference notes 4.1):
/// the fraction-weighted sum of tissue signals (<see cref="ContrastSynthesis.FromTissues"/>) with smooth
/// within-tissue property variation, times a smooth multiplicative bias field (INU), plus complex
/// Gaussian noise, magnitude taken: S = |S·b + n_r + i·n_i| (Rician in tissue, Rayleigh in air).
/// The noise SD is a fraction of the brightest pure brain tissue's signal (BrainWeb's "x% noise"),
/// and images are scaled so that tissue reads 1000.
/// </summary>
public static class ImageSynthesizer
{
    public sealed record Settings(double NoiseFraction = 0.02, double BiasAmplitude = 0.1, double BiasSmoothnessMm = 50, bool SkullStrip = false);

    public static float[] Synthesize(TemplateAnatomy anatomy, IReadOnlyDictionary<TissueClass, TissueParameters> tissues,
                                     TissueModulation? modulation, MrProtocol protocol, Settings settings, DeterministicRandom random)
    {
        var g = anatomy.Grid;
        var list = SubjectAnatomy.ImagedTissues.Select(t => (anatomy[t], tissues[t])).ToList();
        var signal = ContrastSynthesis.FromTissues(g, list, protocol, modulation);
        double reference = TissueClasses.Brain.Max(t => protocol.Signal(tissues[t]));
        if (!(reference > 0)) throw new ArgumentException($"protocol {protocol.Name}: gives no brain signal");
        double scale = 1000 / reference;
        var bias = BiasField(g, random, settings);
        double sd = settings.NoiseFraction * 1000;
        var mask = settings.SkullStrip ? anatomy.BrainMask() : null;
        // Noise is drawn in voxel order from this image's own generator: the same seed, the same image.
        for (int i = 0; i < signal.Length; i++)
        {
            double real = signal[i] * scale * bias[i] + sd * random.NextGaussian();
            double imaginary = sd * random.NextGaussian();
            signal[i] = (float)Math.Sqrt(real * real + imaginary * imaginary);
            if (mask is not null && !mask[i]) signal[i] = 0;
        }
        return signal;
    }

    /// <summary>exp of a smooth Gaussian random field scaled so its ±2 SD range spans ±amplitude (BrainWeb's 20% INU = ±0.1).</summary>
    public static float[] BiasField(VoxelGrid g, DeterministicRandom random, Settings settings)
    {
        var field = new float[g.Count];
        if (settings.BiasAmplitude <= 0) { Array.Fill(field, 1f); return field; }
        var noise = new float[g.Count];
        for (int i = 0; i < noise.Length; i++) noise[i] = (float)random.NextGaussian();
        var smooth = GaussianSmoothing.Smooth(noise, g, settings.BiasSmoothnessMm / 2.355);
        double sumSquares = 0;
        foreach (var v in smooth) sumSquares += v * v;
        double rms = Math.Sqrt(sumSquares / smooth.Length) + 1e-12;
        for (int i = 0; i < field.Length; i++) field[i] = (float)Math.Exp(settings.BiasAmplitude / 2 * smooth[i] / rms);
        return field;
    }

    /// <summary>Smooth log-normal within-tissue variation (3% SD by default) of the four properties, one field each.</summary>
    public static TissueModulation Modulation(VoxelGrid g, DeterministicRandom random, double sd = 0.03, double smoothnessMm = 20)
    {
        float[] Field()
        {
            var noise = new float[g.Count];
            for (int i = 0; i < noise.Length; i++) noise[i] = (float)random.NextGaussian();
            var smooth = GaussianSmoothing.Smooth(noise, g, smoothnessMm / 2.355);
            double sumSquares = 0;
            foreach (var v in smooth) sumSquares += v * v;
            float k = (float)(sd / (Math.Sqrt(sumSquares / smooth.Length) + 1e-12));
            for (int i = 0; i < smooth.Length; i++) smooth[i] *= k;
            return smooth;
        }
        return new TissueModulation(Field(), Field(), Field(), Field());
    }
}
