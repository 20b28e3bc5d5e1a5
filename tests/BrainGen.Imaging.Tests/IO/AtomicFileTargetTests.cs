using System.Diagnostics;

namespace BrainGen.Imaging.Tests;

/// <summary>
/// AtomicFile replaces only a regular file (or creates a new one): a device node, FIFO, folder or
/// symbolic link at the target is refused and left exactly as it was, with no temporary file behind.
/// </summary>
public class AtomicFileTargetTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "braingen-atomic-tests", Guid.NewGuid().ToString("N"));

    public AtomicFileTargetTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    [Fact]
    public void KindsAreToldApart()
    {
        var file = Path.Combine(_dir, "file");
        File.WriteAllText(file, "x");
        File.CreateSymbolicLink(Path.Combine(_dir, "link"), file);
        Assert.Equal(FileKind.Regular, FileKinds.Of(file));
        Assert.Equal(FileKind.Directory, FileKinds.Of(_dir));
        Assert.Equal(FileKind.SymbolicLink, FileKinds.Of(Path.Combine(_dir, "link")));
        Assert.Equal(FileKind.Missing, FileKinds.Of(Path.Combine(_dir, "none")));
        Assert.Equal(FileKind.Missing, FileKinds.Of(Path.Combine(file, "below-a-file")));
        if (!OperatingSystem.IsLinux()) return;
        MakeFifo(Path.Combine(_dir, "fifo"));
        Assert.Equal(FileKind.Fifo, FileKinds.Of(Path.Combine(_dir, "fifo")));
        Assert.Equal(FileKind.CharacterDevice, FileKinds.Of("/dev/null"));
    }

    public static TheoryData<string, string> Targets() => new()
    {
        { "fifo", "is a FIFO" },
        { "folder", "is a directory" },
        { "link", "is a symbolic link" },
        { "/dev/null", "is a character device" },
    };

    [Theory]
    [MemberData(nameof(Targets))]
    public void ANonRegularTargetIsRefusedAndLeftAsItWas(string name, string message)
    {
        if (!OperatingSystem.IsLinux()) return;
        var kept = Path.Combine(_dir, "kept");
        File.WriteAllText(kept, "original");
        var target = name.StartsWith('/') ? name : Path.Combine(_dir, name);
        if (name == "fifo") MakeFifo(target);
        if (name == "folder") Directory.CreateDirectory(target);
        if (name == "link") File.CreateSymbolicLink(target, kept);
        var kind = FileKinds.Of(target);

        var e = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(target, "replacement"));
        Assert.Contains($"{target}: {message}", e.Message);
        Assert.Equal(kind, FileKinds.Of(target));
        Assert.Equal("original", File.ReadAllText(kept));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
        if (name == "/dev/null") Assert.Empty(Directory.GetFiles("/dev", ".null.*.tmp"));
    }

    [Fact]
    public void ARegularFileIsReplacedAndANewOneCreated()
    {
        var file = Path.Combine(_dir, "a.txt");
        AtomicFile.WriteAllText(file, "one");
        AtomicFile.WriteAllText(file, "two");
        Assert.Equal("two", File.ReadAllText(file));
        Assert.Equal(FileKind.Regular, FileKinds.Of(file));
    }

    [Fact]
    public void ALockIsExclusiveAcrossOpensSharedWithinTheHolderAndFreedOnRelease()
    {
        var path = Path.Combine(_dir, "state", "x.lock");
        using (var first = OutputLock.TryAcquire(path))
        {
            Assert.NotNull(first);
            using (var again = OutputLock.TryAcquire(path)) Assert.NotNull(again);  // the same process: shared, counted
            Assert.False(OutputLock.IsHeldElsewhere(path));
        }
        // Another open file description (what another process has) holds flock: the lock is refused, by name.
        using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            Assert.Null(OutputLock.TryAcquire(path));
            Assert.True(OutputLock.IsHeldElsewhere(path));
            var e = Assert.Throws<OutputLockedException>(() => OutputLock.Acquire(path, "/some/folder", TimeSpan.FromMilliseconds(120)));
            Assert.StartsWith("/some/folder: another braingen process is writing it", e.Message);
        }
        using var free = OutputLock.TryAcquire(path);
        Assert.NotNull(free);
    }
}
