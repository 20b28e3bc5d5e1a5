using BrainGen.Imaging;
using BrainGen.Physics.Tissue;

namespace BrainGen.Physics.Phantom;

/// <summary>
/// A head on one grid as partial-volume tissue fractions: CSF, GM and WM inside the intracranial
/// volume, the ventricles as the CSF fraction inside the ventricle region, and the extra-cerebral
/// head (scalp, muscle, skull) as a NonBrain weight that also carries its relative proton density.
/// The phantom's subjects are warped copies of one of these.
/// </summary>
public sealed class TemplateAnatomy
{
    public required VoxelGrid Grid { get; init; }
    public required Affine Affine { get; init; }
    public required float[] Csf { get; init; }
    public required float[] GreyMatter { get; init; }
    public required float[] WhiteMatter { get; init; }
    public required float[] Ventricles { get; init; }
    public required float[] NonBrain { get; init; }

    public float[] this[TissueClass tissue] => tissue switch
    {
        TissueClass.Csf => Csf,
        TissueClass.GreyMatter => GreyMatter,
        TissueClass.WhiteMatter => WhiteMatter,
        TissueClass.NonBrain => NonBrain,
        _ => throw new ArgumentOutOfRangeException(nameof(tissue)),
    };

    public Volume ToVolume(float[] data) => new([Grid.Nx, Grid.Ny, Grid.Nz], data, Affine);

    /// <summary>Σ values · voxel volume, mL.</summary>
    public double VolumeMl(float[] map)
    {
        double sum = 0;
        foreach (var v in map) sum += v;
        return sum * Grid.VoxelVolumeMl;
    }

    public float[] Brain() => Add(GreyMatter, WhiteMatter);

    public float[] Intracranial() => Add(Add(Csf, GreyMatter), WhiteMatter);

    /// <summary>Voxels at least half inside the intracranial volume: the skull-stripping mask.</summary>
    public bool[] BrainMask()
    {
        var icv = Intracranial();
        return icv.Select(v => v >= 0.5f).ToArray();
    }

    public double BrainVolumeMl => VolumeMl(Brain());
    public double VentricleVolumeMl => VolumeMl(Ventricles);
    public double IntracranialVolumeMl => VolumeMl(Intracranial());

    private static float[] Add(float[] a, float[] b)
    {
        var r = new float[a.Length];
        for (int i = 0; i < r.Length; i++) r[i] = a[i] + b[i];
        return r;
    }
}
