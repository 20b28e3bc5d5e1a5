using BrainGen.Physics.Deformation;
using BrainGen.Physics.Tissue;

namespace BrainGen.Physics.Tests.Deformation;

public class DeformationTests
{
    private static readonly VoxelGrid Grid = new(24, 24, 24, 2, 2, 2);

    [Fact]
    public void ExponentialOfZeroIsIdentityAndOfSmoothFieldIsInvertible()
    {
        var zero = VelocityIntegration.Exponentiate(new DisplacementField(Grid));
        AssertClose.Equal(0, zero.MaxNorm(), abs: 1e-6);
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
    public void AtrophyActsAtTheCortexAndLeavesDeepCsfToTheVentricleField()
    {
        // 96 mm head: its centre lies 48 mm deep, past twice the cortical depth.
        var brain = new SyntheticBrain(48, 2, 26, 38, 46, 5);
        var g = brain.Grid;
        var tissue = brain.Fractions[TissueClass.GreyMatter].Zip(brain.Fractions[TissueClass.WhiteMatter], (a, b) => a + b).ToArray();
        var intracranial = tissue.Zip(brain.Fractions[TissueClass.Csf], (a, b) => a + b).ToArray();
        var atrophy = AtrophyFields.BrainAtrophy(tissue, intracranial, g);
        double Norm(int x, int y, int z) { int i = g.Index(x, y, z); return Math.Sqrt(atrophy.X[i] * atrophy.X[i] + atrophy.Y[i] * atrophy.Y[i] + atrophy.Z[i] * atrophy.Z[i]); }
        // At the ventricle wall (5 mm from the centre, ~40 mm deep) nothing; at the GM/CSF boundary (38 mm radius, ~8 mm deep) the most.
        Assert.True(Norm(24 + 3, 24, 24) < 1e-3, $"deep ventricle wall moved by {Norm(27, 24, 24):0.0000}");
        Assert.True(Norm(24 + 19, 24, 24) > 0.3, $"cortical surface moved by only {Norm(43, 24, 24):0.000}");
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
