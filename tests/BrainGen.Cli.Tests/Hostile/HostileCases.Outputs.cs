using System.Collections.Concurrent;
using BrainGen.Imaging;

namespace BrainGen.Cli.Tests.Hostile;

/// <summary>
/// Outputs replace only what they should: a target that is not a regular file (FIFO, folder,
/// symbolic link) is refused and left as it was; a generated dataset is never continued with
/// another request; a folder another process writes is refused. Each checks nothing was replaced
/// or half-written.
/// </summary>
public static partial class HostileCases
{
    // Locks held for a case between its Arrange and its Check. A second open of a lock file takes its own flock, so a
    // FileStream held here excludes the CLI exactly as another braingen process would (the CLI tests also use a child).
    private static readonly ConcurrentDictionary<string, FileStream> HeldLocks = new();

    private static string TinyImage(string dir)
    {
        var path = Path.Combine(dir, "tiny.nii.gz");
        Nifti.Write(path, new Volume([6, 7, 8], [.. Enumerable.Range(0, 6 * 7 * 8).Select(i => (float)(i % 13))], Affine.FromSpacing(1, 1, 1)));
        return path;
    }

    private static string[] Preview(string dir, string target) => ["preview", TinyImage(dir), "-o", target];

    // No temporary file of an atomic write is left next to the target.
    private static void NoTemporaryFiles(string folder) =>
        Assert.Empty(Directory.GetFiles(folder, "*.tmp", SearchOption.AllDirectories));

    private static string[] GenerateTiny(string output, string seed) =>
        ["generate", "--monai-bundle", TinyBundle, "--n", "1", "--steps", "2", "--seed", seed, "--no-preview", "-o", output];

    internal static void MakeFifo(string path)
    {
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    private static string HoldLock(string dir, string lockFile)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(lockFile)!);
        HeldLocks[dir] = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        return lockFile;
    }

    private static void ReleaseLock(string dir)
    {
        if (HeldLocks.TryRemove(dir, out var held)) held.Dispose();
    }

    public static IEnumerable<HostileCase> Outputs =>
    [
        new("output: preview onto a FIFO", dir =>
        {
            var fifo = Path.Combine(dir, "pipe.png");
            MakeFifo(fifo);
            return Preview(dir, fifo);
        }, "pipe.png: is a FIFO", Check: dir =>
        {
            Assert.Equal(FileKind.Fifo, FileKinds.Of(Path.Combine(dir, "pipe.png")));
            NoTemporaryFiles(dir);
        }),
        new("output: preview onto a folder", dir =>
        {
            Directory.CreateDirectory(Path.Combine(dir, "folder.png"));
            return Preview(dir, Path.Combine(dir, "folder.png"));
        }, "folder.png: is a directory", Check: dir =>
        {
            Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(dir, "folder.png")));
            NoTemporaryFiles(dir);
        }),
        new("output: preview onto a symbolic link", dir =>
        {
            File.WriteAllText(Path.Combine(dir, "kept.txt"), "not a png");
            File.CreateSymbolicLink(Path.Combine(dir, "link.png"), Path.Combine(dir, "kept.txt"));
            return Preview(dir, Path.Combine(dir, "link.png"));
        }, "link.png: is a symbolic link", Check: dir =>
        {
            Assert.Equal(FileKind.SymbolicLink, FileKinds.Of(Path.Combine(dir, "link.png")));
            Assert.Equal("not a png", File.ReadAllText(Path.Combine(dir, "kept.txt")));
            NoTemporaryFiles(dir);
        }),
        new("output: generate resumed with another seed", dir =>
        {
            var output = Path.Combine(dir, "out");
            var (code, _, err) = CliRunner.Run(GenerateTiny(output, "4"));
            Assert.True(code == 0, err);
            File.Copy(Path.Combine(output, "sub-00001", "anat", "sub-00001_T1w.nii.gz"), Path.Combine(dir, "before.nii.gz"));
            return GenerateTiny(output, "5");
        }, "was generated with --seed 4; this run asks --seed 5; use --overwrite", Check: dir =>
        {
            var output = Path.Combine(dir, "out");
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "before.nii.gz")), File.ReadAllBytes(Path.Combine(output, "sub-00001", "anat", "sub-00001_T1w.nii.gz")));
            Assert.Contains("\"RunSeed\": 4", File.ReadAllText(Path.Combine(output, "sub-00001", "anat", "sub-00001_T1w.json")));
            Assert.Single(Directory.GetDirectories(output, "sub-*"));
        }),
        new("output: generate into a real cohort without a request record", dir =>
        {
            var cohort = Path.Combine(dir, "cohort");
            Write(cohort, "sub-01/anat/sub-01_T1w.json", "{\"RepetitionTime\": 2.3}"u8.ToArray());
            return [.. GenerateTiny(cohort, "4"), "--overwrite"];
        }, "not written by BrainGen", Check: dir =>
        {
            Assert.True(File.Exists(Path.Combine(dir, "cohort", "sub-01", "anat", "sub-01_T1w.json")));
            Assert.False(Directory.Exists(Path.Combine(dir, "cohort", "sub-00001")));
        }),
        new("output: generate into a folder another process writes", dir =>
        {
            var output = Path.Combine(dir, "busy");
            HoldLock(dir, Path.Combine(output, ".braingen", "shard-0-of-1.lock"));
            return GenerateTiny(output, "4");
        }, "busy: another braingen process is generating shard 0/1 into it", Check: dir =>
        {
            ReleaseLock(dir);
            Assert.Empty(Directory.GetDirectories(Path.Combine(dir, "busy"), "sub-*"));
            Assert.False(File.Exists(Path.Combine(dir, "busy", ".braingen", "request.json")));
        }),
        new("output: train into a run folder another process writes", dir =>
        {
            var run = Path.Combine(dir, "run");
            HoldLock(dir, Path.Combine(run, ".braingen.lock"));
            return ["train", "autoencoder", "--data", dir, "-o", run];
        }, "run: another braingen process is writing it", Check: dir =>
        {
            ReleaseLock(dir);
            Assert.Equal([".braingen.lock"], Directory.GetFileSystemEntries(Path.Combine(dir, "run")).Select(Path.GetFileName));
        }),
    ];
}
