using BrainGen.Imaging;
using BrainGen.Physics.Phantom;

namespace BrainGen.Physics.Tests.Phantom;

public class PhantomCohortTests
{
    private static PhantomOptions Small(ulong seed) => new()
    {
        Subjects = 2, Seed = seed, ResolutionMm = 4, FollowUps = 1, FollowUpIntervalYears = 5,
        Modalities = [("T1w", "ukb-t1")], WriteTissueMaps = false,
    };

    [Fact]
    public void SameSeedGivesIdenticalCohortWithKnownTruthAndAtrophyOverTime()
    {
        string a = Directory.CreateTempSubdirectory("phantom-a").FullName, b = Directory.CreateTempSubdirectory("phantom-b").FullName;
        try
        {
            var first = PhantomCohort.Generate(Small(7), a);
            PhantomCohort.Generate(Small(7) with { MaxParallelism = 1 }, b);
            Assert.Equal(File.ReadAllText(Path.Combine(a, "participants.tsv")), File.ReadAllText(Path.Combine(b, "participants.tsv")));
            var imageA = Nifti.Read(Path.Combine(a, "sub-001", "ses-02", "anat", "sub-001_ses-02_T1w.nii.gz"));
            var imageB = Nifti.Read(Path.Combine(b, "sub-001", "ses-02", "anat", "sub-001_ses-02_T1w.nii.gz"));
            Assert.Equal(imageA.Data, imageB.Data);
            foreach (var subject in first)
            {
                Assert.True(subject.Visits[1].BrainVolumeMl < subject.Visits[0].BrainVolumeMl, "brain shrinks at follow-up");
                Assert.True(subject.Visits[1].VentricleVolumeMl > subject.Visits[0].VentricleVolumeMl, "ventricles grow at follow-up");
                Assert.InRange(subject.Visits[0].BrainVolumeMl, 900, 1900);
                // The head is scaled from Colin27's own ICV (1,737 mL), not the male mean it was once taken to have
                // (+18%). Below 1: at 4 mm the atrophy field's taper lets ICV shrink by about 8%.
                Assert.InRange(subject.Visits[0].IntracranialVolumeMl / subject.Covariates.IntracranialTargetMl, 0.85, 1.05);
                Assert.True(File.Exists(Path.Combine(a, subject.ParticipantId, $"{subject.ParticipantId}_sessions.tsv")));
            }
            Assert.True(File.Exists(Path.Combine(a, "sub-002", "ses-01", "anat", "sub-002_ses-01_T1w.json")));
        }
        finally
        {
            Directory.Delete(a, true);
            Directory.Delete(b, true);
        }
    }

    [Fact]
    public void BadOptionsNameTheOption()
    {
        Assert.Contains("--subjects", Assert.Throws<ArgumentException>(() => (Small(1) with { Subjects = 0 }).Validate()).Message);
        Assert.Contains("--preset", Assert.Throws<ArgumentException>(() => (Small(1) with { Modalities = [("T1w", "nope")] }).Validate()).Message);
    }
}
