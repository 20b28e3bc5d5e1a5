using System.Runtime.InteropServices;
using System.Text;

namespace BrainGen.Imaging;

/// <summary>
/// Crash-safe writes: the content goes to a temporary file in the destination folder, is flushed to
/// disk, and replaces the destination with one rename; the folder is then fsynced so the rename
/// itself survives a power cut. A reader sees the old file or the new one, never half of one.
/// Only a regular file (or a new path) is replaced: see <see cref="CheckReplaceable"/>. BrainGen.Torch
/// compiles this file too, as an internal class (BRAINGEN_TORCH), for safetensors checkpoints.
/// </summary>
#if BRAINGEN_TORCH
internal
#else
public
#endif
static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var full = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(full)!;
        CheckReplaceable(full);
        Directory.CreateDirectory(dir);
        var temp = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            CheckReplaceable(full);  // again: the path may have changed while the content was written
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        SyncDirectory(dir);
    }

    /// <summary>
    /// Throws unless <paramref name="path"/> is missing or a regular file. A rename over a device node,
    /// FIFO or socket would replace it with a regular file (run as root, `preview -o /dev/full` turned
    /// the device into a PNG), and a rename over a folder fails with a confusing error. A symbolic link
    /// is refused too rather than written through: the rename would replace the link, not the file it
    /// points to, and following it would let whoever can create a link in the output folder redirect
    /// the write anywhere (the /tmp symlink attack on a tool run as root). Links among the folders
    /// above the file are followed as usual.
    /// </summary>
    public static void CheckReplaceable(string path)
    {
        var kind = FileKinds.Of(path);
        if (kind is FileKind.Missing or FileKind.Regular) return;
        if (kind == FileKind.SymbolicLink)
            throw new IOException($"{path}: is a symbolic link (to {new FileInfo(path).LinkTarget}); braingen replaces only regular files: write to the file it points to, or remove the link");
        throw new IOException($"{path}: is {FileKinds.Describe(kind)}, not a regular file; braingen writes only new paths or regular files");
    }

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    public static void WriteAllText(string path, string text) => WriteAllBytes(path, new UTF8Encoding(false).GetBytes(text));

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>fsync(2) on the folder so the rename is durable; .NET has no managed API for it.</summary>
    public static void SyncDirectory(string dir)
    {
        if (OperatingSystem.IsWindows()) return; // NTFS renames are journaled; directories cannot be opened this way
        try
        {
            var fd = Open(dir, 0 /* O_RDONLY */);
            if (fd < 0) return;
            Fsync(fd);
            Close(fd);
        }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
