namespace BrainGen.Imaging;

/// <summary>Another process holds the lock on an output or run folder.</summary>
public sealed class OutputLockedException(string message) : IOException(message);

/// <summary>
/// An advisory lock on a file, so two braingen processes never write one output at once. The file
/// is opened with FileShare.None, which .NET turns into flock(LOCK_EX | LOCK_NB) on Linux and macOS
/// (a share-mode lock on Windows); the kernel drops it when the process ends, however it ends, so a
/// run killed with kill -9 leaves nothing to clean up before it is resumed. The lock file itself
/// stays (deleting it would race with a process that has just opened it).
/// <para>
/// The lock excludes other processes. Within one process, acquiring a lock it already holds shares
/// it (counted; the last release unlocks): the CLI takes a run folder's lock before it writes
/// config.yaml, and the trainer takes it again for its loop.
/// </para>
/// </summary>
public sealed class OutputLock : IDisposable
{
    private static readonly Dictionary<string, (FileStream Stream, int Holders)> Held = new(StringComparer.Ordinal);
    private string? _path;

    private OutputLock(string path) => _path = path;

    /// <summary>The lock file.</summary>
    public string Path => _path ?? throw new ObjectDisposedException(nameof(OutputLock));

    /// <summary>
    /// Takes the lock, retrying for up to <paramref name="wait"/> (zero: one try); otherwise throws
    /// <see cref="OutputLockedException"/> naming <paramref name="folder"/>.
    /// </summary>
    public static OutputLock Acquire(string lockFile, string folder, TimeSpan wait = default)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            if (TryAcquire(lockFile) is { } taken) return taken;
            if (DateTime.UtcNow >= deadline)
                throw new OutputLockedException($"{folder}: another braingen process is writing it (it holds {lockFile}); wait for it to end or choose another output");
            Thread.Sleep(50);
        }
    }

    /// <summary>The lock, or null when another process holds it.</summary>
    public static OutputLock? TryAcquire(string lockFile)
    {
        var full = System.IO.Path.GetFullPath(lockFile);
        lock (Held)
        {
            if (Held.TryGetValue(full, out var entry))
            {
                Held[full] = (entry.Stream, entry.Holders + 1);
                return new OutputLock(full);
            }
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            AtomicFile.CheckReplaceable(full);  // never lock (or create) through a link or a device
            try
            {
                var stream = new FileStream(full, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
                Held[full] = (stream, 1);
                return new OutputLock(full);
            }
            catch (IOException e) when (IsSharingViolation(e))
            {
                return null;
            }
        }
    }

    /// <summary>Whether another process holds <paramref name="lockFile"/> right now (a try that is released at once).</summary>
    public static bool IsHeldElsewhere(string lockFile)
    {
        var full = System.IO.Path.GetFullPath(lockFile);
        lock (Held)
        {
            if (Held.ContainsKey(full)) return false;
            using var probe = TryAcquire(full);
            return probe is null;
        }
    }

    // Windows: ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION. Unix: the errno of flock, EWOULDBLOCK (11 on Linux, 35 on macOS).
    private static bool IsSharingViolation(IOException e) =>
        OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 32 or 33 : e.HResult is 11 or 35;

    public void Dispose()
    {
        if (_path is null) return;
        lock (Held)
        {
            var (stream, holders) = Held[_path];
            if (holders > 1) Held[_path] = (stream, holders - 1);
            else
            {
                Held.Remove(_path);
                stream.Dispose();
            }
        }
        _path = null;
    }
}
