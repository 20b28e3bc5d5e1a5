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
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

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
