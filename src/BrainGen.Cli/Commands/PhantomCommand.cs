using System.CommandLine;
using BrainGen.Physics.Phantom;
using Spectre.Console;

namespace BrainGen.Cli.Commands;

/// <summary>`braingen phantom`: a BIDS cohort of simulated brains with known truth.</summary>
internal static class PhantomCommand
{
    public static Command Build()
    {
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "BIDS root to write", Required = true };
        var subjects = new Option<int>("--subjects", "-n") { Description = "number of subjects", DefaultValueFactory = _ => 10 };
        var seed = new Option<ulong>("--seed") { Description = "cohort seed", DefaultValueFactory = _ => 1UL };
        var resolution = new Option<double>("--resolution") { Description = "voxel size, mm", DefaultValueFactory = _ => 2.0 };
        var minAge = new Option<double>("--min-age") { DefaultValueFactory = _ => 44.0 };
        var maxAge = new Option<double>("--max-age") { DefaultValueFactory = _ => 82.0 };
        var followUps = new Option<int>("--followups") { Description = "follow-up sessions per subject", DefaultValueFactory = _ => 0 };
        var interval = new Option<double>("--interval") { Description = "years between sessions", DefaultValueFactory = _ => 2.0 };
        var modalities = new Option<string>("--modalities") { Description = "e.g. t1w,t2w,flair,pdw or T1w=ukb-t1,FLAIR=ukb-flair", DefaultValueFactory = _ => "t1w,t2w,flair,pdw" };
        var noise = new Option<double>("--noise") { Description = "Rician noise SD as a fraction of tissue signal", DefaultValueFactory = _ => 0.02 };
        var bias = new Option<double>("--bias") { Description = "bias-field amplitude (0.1 = ±10%)", DefaultValueFactory = _ => 0.1 };
        var skullStrip = new Option<bool>("--skull-strip") { Description = "write brain-only images" };
        var noMaps = new Option<bool>("--no-maps") { Description = "skip the PD/T1/T2/T2* truth maps" };
        var threads = new Option<int>("--threads") { Description = "subjects at once (0: one per core)", DefaultValueFactory = _ => 0 };
        var command = new Command("phantom", "simulate a BIDS cohort from Colin27 with known age, sex, brain and ventricle volumes")
            { output, subjects, seed, resolution, minAge, maxAge, followUps, interval, modalities, noise, bias, skullStrip, noMaps, threads };
        command.SetAction(parse =>
        {
            var options = new PhantomOptions
            {
                Subjects = parse.GetValue(subjects), Seed = parse.GetValue(seed), ResolutionMm = parse.GetValue(resolution),
                MinAge = parse.GetValue(minAge), MaxAge = parse.GetValue(maxAge), FollowUps = parse.GetValue(followUps),
                FollowUpIntervalYears = parse.GetValue(interval), Modalities = PhantomOptions.ParseModalities(parse.GetValue(modalities)!),
                NoiseFraction = parse.GetValue(noise), BiasAmplitude = parse.GetValue(bias), SkullStrip = parse.GetValue(skullStrip),
                WriteTissueMaps = !parse.GetValue(noMaps), MaxParallelism = parse.GetValue(threads),
            };
            options.Validate();
            var root = parse.GetValue(output)!.FullName;
            IReadOnlyList<PhantomSubjectRecord> records = [];
            CliConsole.Create().Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    var task = context.AddTask("template (Colin27)", maxValue: options.Subjects);
                    records = PhantomCohort.Generate(options, root, new SyncProgress(p =>
                    {
                        task.Description = $"subjects ({p.LastParticipant})";
                        task.Value = p.Completed;
                    }));
                });
            Console.WriteLine($"{records.Count} subjects, {records.Sum(r => r.Visits.Count)} sessions -> {root}");
            return 0;
        });
        return command;
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and arrive late).</summary>
    private sealed class SyncProgress(Action<PhantomProgress> report) : IProgress<PhantomProgress>
    {
        private readonly object _gate = new();
        public void Report(PhantomProgress value) { lock (_gate) report(value); }
    }
}
