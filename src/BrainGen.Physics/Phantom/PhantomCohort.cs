using System.Globalization;
using BrainGen.Imaging;
using BrainGen.Physics.Deformation;
using BrainGen.Physics.Signal;
using BrainGen.Physics.Tissue;

namespace BrainGen.Physics.Phantom;

/// <summary>
/// Simulates a BIDS cohort of brains with known ground truth (the bundled default dataset for demos,
/// training tests and controllability checks). Per subject: covariates (<see cref="SubjectCovariates"/>),
/// a warped Colin27 anatomy hitting target volumes (<see cref="SubjectAnatomy"/>), tissue properties
/// with age trends (<see cref="TissueVariation"/>), and one image per modality through the signal
/// models (<see cref="ImageSynthesizer"/>). Follow-ups reuse the subject's anatomy variability and
/// properties at a later age with further atrophy, and redraw bias and noise.
/// Seeds: subject seed = <see cref="SeedHash.Derive"/>(seed, index); each purpose (covariates,
/// anatomy, tissue, modulation, image v/m) derives its own stream from it, so subjects can be made
/// in any order, on any number of threads, with identical output. Subjects stream to disk.
/// </summary>
public static class PhantomCohort
{
    private const ulong CovariateStream = 1, AnatomyStream = 2, TissueStream = 3, ModulationStream = 4, ImageStream = 100;

    public static IReadOnlyList<PhantomSubjectRecord> Generate(PhantomOptions options, string outputDirectory, IProgress<PhantomProgress>? progress = null)
    {
        options.Validate();
        var templates = Colin27Template.Load([options.ResolutionMm, Math.Min(8, 2 * options.ResolutionMm)], options.TemplateDirectory);
        var (template, coarse) = (templates[0], templates[1]);
        var fields = SubjectAnatomy.Fields.For(template, coarse);
        var protocols = options.Modalities.Select(m => (m.Suffix, Protocol: ProtocolPresets.Get(m.Preset))).ToList();
        Directory.CreateDirectory(outputDirectory);
        var bids = new PhantomBidsWriter(outputDirectory, options);
        bids.WriteDatasetFiles(protocols);

        var records = new PhantomSubjectRecord[options.Subjects];
        int completed = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelism > 0 ? options.MaxParallelism : Environment.ProcessorCount };
        Parallel.For(0, options.Subjects, parallel, index =>
        {
            records[index] = SimulateSubject(index, options, fields, protocols, bids);
            int done = Interlocked.Increment(ref completed);
            progress?.Report(new PhantomProgress(done, options.Subjects, records[index].ParticipantId));
        });
        bids.WriteParticipants(records);
        return records;
    }

    public static string ParticipantId(int index, int total) => $"sub-{(index + 1).ToString(total >= 1000 ? "D4" : "D3", CultureInfo.InvariantCulture)}";

    private static PhantomSubjectRecord SimulateSubject(int index, PhantomOptions options, SubjectAnatomy.Fields fields,
                                                        List<(string Suffix, MrProtocol Protocol)> protocols, PhantomBidsWriter bids)
    {
        ulong seed = SeedHash.Derive(options.Seed, (ulong)index);
        var covariates = SubjectCovariates.Sample(index, new DeterministicRandom(SeedHash.Derive(seed, CovariateStream)), options.MinAge, options.MaxAge);
        var template = fields.Template;
        var grid = template.Grid;
        var variability = AtrophyFields.RandomSmooth(grid, new DeterministicRandom(SeedHash.Derive(seed, AnatomyStream)), 15);
        variability = DisplacementField.LinearCombination(grid, (options.VariabilityMm / grid.SpacingX, variability));
        var modulation = ImageSynthesizer.Modulation(grid, new DeterministicRandom(SeedHash.Derive(seed, ModulationStream)));
        string participant = ParticipantId(index, options.Subjects);

        double headScale = covariates.HeadScale(template.IntracranialVolumeMl);
        double s3 = Math.Pow(headScale, 3);
        double brainTarget = template.BrainVolumeMl * s3 * covariates.BrainRatio;
        double ventricleTarget = covariates.VentricleTargetMl;
        var visits = new List<PhantomVisit>();
        for (int visit = 0; visit <= options.FollowUps; visit++)
        {
            double years = visit * options.FollowUpIntervalYears;
            double age = Math.Round(covariates.Age + years, 1);
            var anatomy = SubjectAnatomy.Build(fields, variability, headScale,
                                               brainTarget * Math.Pow(1 - covariates.BrainAtrophyPerYear, years),
                                               ventricleTarget * Math.Pow(1 + covariates.VentricleGrowthPerYear, years));
            // Same subject-level random effects at every visit; only the age trend moves.
            var tissues = TissueVariation.ForSubject(TissueTable.At3T, age, new DeterministicRandom(SeedHash.Derive(seed, TissueStream)));
            string? session = options.FollowUps > 0 ? $"ses-{visit + 1:D2}" : null;
            var settings = new ImageSynthesizer.Settings(options.NoiseFraction, options.BiasAmplitude, SkullStrip: options.SkullStrip);
            for (int m = 0; m < protocols.Count; m++)
            {
                var (suffix, protocol) = protocols[m];
                ulong imageSeed = SeedHash.Derive(seed, ImageStream + (ulong)visit, (ulong)m);
                var tableTissues = protocol.FieldStrengthTesla < 2.25
                    ? TissueVariation.ForSubject(TissueTable.At1p5T, age, new DeterministicRandom(SeedHash.Derive(seed, TissueStream)))
                    : tissues;
                var image = ImageSynthesizer.Synthesize(anatomy.Maps, tableTissues, modulation, protocol, settings, new DeterministicRandom(imageSeed));
                bids.WriteImage(participant, session, suffix, template.ToVolume(image), protocol, imageSeed, settings);
            }
            bids.WriteTruth(participant, session, anatomy, tissues, modulation);
            var maps = anatomy.Maps;
            visits.Add(new PhantomVisit(session ?? "", age, anatomy.BrainVolumeMl, anatomy.VentricleVolumeMl, anatomy.IntracranialVolumeMl,
                                        maps.VolumeMl(maps.GreyMatter), maps.VolumeMl(maps.WhiteMatter), maps.VolumeMl(maps.Csf)));
        }
        var record = new PhantomSubjectRecord(participant, covariates.Sex, seed, covariates, visits);
        if (options.FollowUps > 0) bids.WriteSessions(record);
        return record;
    }
}
