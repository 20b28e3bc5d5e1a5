using BrainGen.Imaging;
using BrainGen.Physics.Phantom;
using BrainGen.Physics.Segmentation;
using Xunit.Abstractions;

namespace BrainGen.Physics.Tests.Segmentation;

/// <summary>
/// `braingen volumes` against phantom truth (issue #4 item 3: brain within 3%, ventricles within 10%,
/// r ≥ 0.95): the measurement of record is scripts/phantom_ventricle_accuracy.sh on 40 images and on
/// held-out seeds (docs/physics.md); this keeps smaller cohorts in the suite so a change that degrades
/// the measurement fails here. Seed 1 alone proved too easy: seed 77's first subjects have GM/WM
/// contrast barely above the noise, which once inflated their ventricles by 40%.
/// </summary>
public class PhantomVolumeAccuracyTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1, 8)]
    [InlineData(77, 4)]
    public void BrainAndVentricleVolumesTrackTheTruth(ulong seed, int subjects)
    {
        string dir = Directory.CreateTempSubdirectory("phantom-accuracy").FullName;
        try
        {
            var options = new PhantomOptions
            {
                Subjects = subjects, Seed = seed, ResolutionMm = 2, Modalities = [("T1w", "ukb-t1")], SkullStrip = true, WriteTissueMaps = false,
            };
            var records = PhantomCohort.Generate(options, dir);
            var atlas = Colin27Template.VentricleAtlas();
            var truth = new List<double>();
            var errors = new List<double>();
            var measured = new List<double>();
            foreach (var record in records)
            {
                var visit = record.Visits[0];
                var image = Nifti.Read(Path.Combine(dir, record.ParticipantId, "anat", $"{record.ParticipantId}_T1w.nii.gz")).ToCanonical();
                var segmentation = TissueSegmenter.Segment(image.Data, Colin27Template.GridOf(image));
                var volumes = BrainVolumes.Measure(segmentation, image.Affine, atlas);
                double brainError = (volumes.BrainMl - visit.BrainVolumeMl) / visit.BrainVolumeMl;
                double ventricleError = (volumes.VentricleMl - visit.VentricleVolumeMl) / visit.VentricleVolumeMl;
                output.WriteLine($"{record.ParticipantId}: brain {volumes.BrainMl:0} vs {visit.BrainVolumeMl:0} mL ({brainError:+0.0%;-0.0%;0.0%}), " +
                                 $"ventricles {volumes.VentricleMl:0.0} vs {visit.VentricleVolumeMl:0.0} mL ({ventricleError:+0.0%;-0.0%;0.0%})");
                Assert.InRange(brainError, -0.03, 0.03);
                Assert.InRange(ventricleError, -0.10, 0.10);
                errors.Add(Math.Abs(ventricleError));
                truth.Add(visit.VentricleVolumeMl);
                measured.Add(volumes.VentricleMl);
            }
            double r = MathNet.Numerics.Statistics.Correlation.Pearson(truth, measured);
            output.WriteLine($"ventricles: mean |error| {errors.Average():0.0%}, r = {r:0.000}");
            Assert.True(errors.Average() <= 0.05, $"mean ventricle error {errors.Average():0.0%} > 5%");
            Assert.True(r >= 0.95, $"ventricle volume correlation {r:0.000} < 0.95");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
