using BrainGen.Physics.Signal;
using BrainGen.Physics.Tissue;

namespace BrainGen.Physics.Tests.Tissue;

public class TissuePropertyMapsTests
{
    private static readonly VoxelGrid Grid = new(3, 1, 1);
    private static readonly TissueParameters Gm = new(0.8, 1300, 110, 66), Wm = new(0.7, 800, 80, 53), Csf = new(1, 4300, 1500, 1000);

    /// <summary>Voxel 0: half GM, half WM; voxel 1: pure WM; voxel 2: no tissue.</summary>
    private static readonly (float[] Fraction, TissueParameters Parameters)[] Tissues = [([0.5f, 0, 0], Gm), ([0.5f, 1, 0], Wm)];

    [Fact]
    public void MixedVoxelsSumPdAndAverageTimesInLogSpaceAndEmptyVoxelsGetTheBackground()
    {
        var maps = TissuePropertyMaps.FromTissues(Grid, Tissues, modulation: null, Csf);
        AssertClose.Equal(0.75, maps.ProtonDensity[0], abs: 1e-5);
        AssertClose.Equal(Math.Sqrt(1300.0 * 800), maps.T1[0], rel: 1e-5);
        AssertClose.Equal(Math.Sqrt(110.0 * 80), maps.T2[0], rel: 1e-5);
        AssertClose.Equal(800, maps.T1[1], rel: 1e-5);
        Assert.Equal((0f, 4300f, 1500f), (maps.ProtonDensity[2], maps.T1[2], maps.T2[2]));
    }

    [Fact]
    public void ModulationScalesEveryTissueOfTheVoxelAsInTheSynthesizedImage()
    {
        float ln2 = MathF.Log(2);
        var modulation = new TissueModulation(new float[3], [ln2, 0, 0], new float[3], [0, -ln2, 0]);
        var plain = TissuePropertyMaps.FromTissues(Grid, Tissues, null, Csf);
        var modulated = TissuePropertyMaps.FromTissues(Grid, Tissues, modulation, Csf);
        AssertClose.Equal(2 * plain.T1[0], modulated.T1[0], rel: 1e-5);
        AssertClose.Equal(plain.T2Star[1] / 2, modulated.T2Star[1], rel: 1e-5);
        Assert.Equal(plain.ProtonDensity, modulated.ProtonDensity);

        // The image of the modulated voxel equals the image of its modulated tissues summed by hand.
        var protocol = ProtocolPresets.Get("se-t2w-3t");
        var image = ContrastSynthesis.FromTissues(Grid, Tissues, protocol, modulation);
        double expected = 0.5 * protocol.Signal(Gm with { T1 = 2 * Gm.T1 }) + 0.5 * protocol.Signal(Wm with { T1 = 2 * Wm.T1 });
        AssertClose.Equal(expected, image[0], rel: 1e-5);
    }
}
