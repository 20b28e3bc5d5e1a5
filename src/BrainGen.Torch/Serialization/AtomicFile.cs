using System.Runtime.InteropServices;

namespace BrainGen.Torch.Serialization;

/// <summary>
/// Replaces a file all at once: readers see the old file or the complete new one, never a
/// half-written checkpoint (torch.save, Lightning and MONAI savers have all shipped non-atomic
/// saves that left truncated files after a crash or a full disk).
/// </summary>
internal static class AtomicFile
{
    /// <summary>
    /// Writes through <paramref name="write"/> to a temporary file in the destination's folder
    /// (rename is only atomic within one file system), flushes it to disk, then renames it over
    /// <paramref name="path"/>. On any failure the temporary file is removed and the old file is
    /// untouched. The folder entry itself is not fsynced (.NET cannot open a directory handle);
    /// a power cut right after the rename may still show the old file, never a torn one.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"{path}: has no parent folder");
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        CheckReplaceable(full);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            CheckReplaceable(full);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Only a missing path or a regular file may be replaced: a rename would turn a device node or
    /// FIFO into a regular file, and replace a symbolic link rather than the file it points to.
    /// The same rule as BrainGen.Imaging's AtomicFile (the two layers share no dependency).
    /// </summary>
    private static void CheckReplaceable(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is { } link)
            throw new IOException($"{path}: is a symbolic link (to {link}); braingen replaces only regular files: write to the file it points to, or remove the link");
        if (Directory.Exists(path)) throw new IOException($"{path}: is a directory, not a regular file; braingen writes only new paths or regular files");
        if (!info.Exists || !OperatingSystem.IsLinux()) return;
        var buffer = new byte[256];  // struct statx; stx_mode at offset 28
        try
        {
            if (Statx(-100 /* AT_FDCWD */, path, 0x100 /* AT_SYMLINK_NOFOLLOW */, 0x1 /* STATX_TYPE */, buffer) != 0) return;
        }
        catch (DllNotFoundException) { return; }
        catch (EntryPointNotFoundException) { return; }
        if ((BitConverter.ToUInt16(buffer, 28) & 0xF000) != 0x8000)
            throw new IOException($"{path}: is not a regular file (a device, FIFO or socket); braingen writes only new paths or regular files");
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    private static void TryDelete(string temp)
    {
        try
        {
            File.Delete(temp);
        }
        catch (IOException)
        {
            // The original error matters more than a leftover temporary file.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
