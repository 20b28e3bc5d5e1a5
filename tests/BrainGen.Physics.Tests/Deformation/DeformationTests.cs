using BrainGen.Physics.Deformation;

namespace BrainGen.Physics.Tests.Deformation;

public class DeformationTests
{
    private static readonly VoxelGrid Grid = new(24, 24, 24, 2, 2, 2);

    [Fact]
    public void ExponentialOfZeroIsIdentityAndOfSmoothFieldIsInvertible()
    {
        var zero = VelocityIntegration.Exponentiate(new DisplacementField(Grid));
        Assert.Equal(0, zero.MaxNorm(), 6);
        var v = DisplacementField.LinearCombination(Grid, (3.0, AtrophyFields.RandomSmooth(Grid, new DeterministicRandom(4), 8)));
        var u = VelocityIntegration.Exponentiate(v);
        Assert.True(VelocityIntegration.JacobianDeterminant(u).Min() > 0, "scaling and squaring must give a fold-free map");
    }

    [Fact]
    public void VentricleFieldEnlargesAndSolverHitsTarget()
    {
        var brain = new SyntheticBrain(24, 2, 10, 16, 22, 5);
        var ventricle = AtrophyFields.VentricleEnlargement(brain.Ventricle, brain.Grid);
        double baseline = brain.VolumeMl(brain.Ventricle);
        double Volume(double gain)
        {
            var u = VelocityIntegration.Exponentiate(DisplacementField.LinearCombination(brain.Grid, (gain, ventricle)));
            return brain.VolumeMl(new SpatialTransform(u, 1, (12, 12, 12)).Warp(brain.Grid, brain.Ventricle)[0]);
        }
        Assert.True(Volume(2) > 1.2 * baseline);
        var result = VolumeChangeSolver.Solve(g => [Volume(g[0])], [1.5 * baseline], [1], 0.01, [10]);
        Assert.True(result.Converged, $"reached {result.Volumes[0]:0.00} for target {1.5 * baseline:0.00}");
    }

    [Fact]
    public void SeedHashIsStableAndSeparatesIndices()
    {
        Assert.Equal(SeedHash.Derive(1, 2, 3), SeedHash.Derive(1, 2, 3));
        Assert.NotEqual(SeedHash.Derive(1, 2), SeedHash.Derive(1, 3));
        var r = new DeterministicRandom(9);
        var values = Enumerable.Range(0, 20000).Select(_ => r.NextGaussian()).ToArray();
        Assert.InRange(values.Average(), -0.05, 0.05);
        Assert.InRange(Math.Sqrt(values.Select(x => x * x).Average()), 0.97, 1.03);
    }
}
