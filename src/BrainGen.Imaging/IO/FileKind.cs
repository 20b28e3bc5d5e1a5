using System.Runtime.InteropServices;

namespace BrainGen.Imaging;

/// <summary>What a path names, without following a final symbolic link (lstat semantics).</summary>
public enum FileKind { Missing, Regular, Directory, SymbolicLink, CharacterDevice, BlockDevice, Fifo, Socket, Other }

/// <summary>
/// Tells a regular file from a device node, FIFO, socket, folder or symbolic link. .NET reports only
/// "directory" and "link", so on Linux the type comes from statx(2), whose struct layout is the same
/// on every architecture; elsewhere, anything that is neither a folder nor a link counts as regular.
/// </summary>
public static class FileKinds
{
    public static FileKind Of(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null) return FileKind.SymbolicLink;
        if (Directory.Exists(path)) return FileKind.Directory;
        if (OperatingSystem.IsLinux() && StatxType(path) is { } mode)
            return mode switch
            {
                0x8000 => FileKind.Regular,
                0x4000 => FileKind.Directory,
                0xA000 => FileKind.SymbolicLink,
                0x2000 => FileKind.CharacterDevice,
                0x6000 => FileKind.BlockDevice,
                0x1000 => FileKind.Fifo,
                0xC000 => FileKind.Socket,
                -1 => FileKind.Missing,
                _ => FileKind.Other,
            };
        return info.Exists ? FileKind.Regular : FileKind.Missing;
    }

    /// <summary>"a FIFO", "a character device"...: for messages.</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "missing",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Fifo => "a FIFO",
        FileKind.Socket => "a socket",
        _ => "not a regular file",
    };

    // S_IFMT bits of stx_mode, -1 when the path does not exist, null when statx is unavailable.
    private static int? StatxType(string path)
    {
        const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100, StatxTypeMask = 0x1;
        var buffer = new byte[256];  // sizeof(struct statx)
        try
        {
            if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxTypeMask, buffer) != 0)
                return Marshal.GetLastPInvokeError() is 2 /* ENOENT */ or 20 /* ENOTDIR */ ? -1 : null;
        }
        catch (DllNotFoundException) { return null; }
        catch (EntryPointNotFoundException) { return null; }
        return BitConverter.ToUInt16(buffer, 28) & 0xF000;  // stx_mode at offset 28
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
