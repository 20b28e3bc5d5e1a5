using System.Runtime.InteropServices;

namespace BrainGen.Imaging;

/// <summary>What a path names: a regular file, a folder, a link, a device node, a FIFO or a socket.</summary>
#if BRAINGEN_TORCH
internal
#else
public
#endif
enum FileKind { Missing, Regular, Directory, SymbolicLink, CharacterDevice, BlockDevice, Fifo, Socket, Other }

/// <summary>
/// Tells a regular file from a device node, FIFO, socket, folder or symbolic link. .NET reports only
/// "directory" and "link", so on Linux the type comes from statx(2) in libc, whose struct layout is
/// the same on every architecture; elsewhere, anything that is neither a folder nor a link counts as
/// regular. BrainGen.Torch compiles this file too, as internal types (BRAINGEN_TORCH): Torch sits
/// beside Imaging, not above it.
/// </summary>
#if BRAINGEN_TORCH
internal
#else
public
#endif
static class FileKinds
{
    /// <summary>The kind of <paramref name="path"/>; a final symbolic link is reported as such unless <paramref name="followLinks"/>.</summary>
    public static FileKind Of(string path, bool followLinks = false) => Inspect(path, followLinks).Kind;

    /// <summary>The kind and, for a regular file, the size in bytes (following links if asked).</summary>
    public static (FileKind Kind, long Size) Inspect(string path, bool followLinks = false)
    {
        var info = new FileInfo(path);
        if (!followLinks && info.LinkTarget is not null) return (FileKind.SymbolicLink, 0);
        if (OperatingSystem.IsLinux() && Statx(path, followLinks) is { } stat)
            return (stat.Mode switch
            {
                -1 => FileKind.Missing,
                0x8000 => FileKind.Regular,
                0x4000 => FileKind.Directory,
                0xA000 => FileKind.SymbolicLink,
                0x2000 => FileKind.CharacterDevice,
                0x6000 => FileKind.BlockDevice,
                0x1000 => FileKind.Fifo,
                0xC000 => FileKind.Socket,
                _ => FileKind.Other,
            }, stat.Size);
        if (Directory.Exists(path)) return (FileKind.Directory, 0);
        return info.Exists ? (FileKind.Regular, info.Length) : (FileKind.Missing, 0);
    }

    /// <summary>"a FIFO (named pipe)", "a character device"...: for messages.</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "missing",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.Socket => "a socket",
        _ => "not a regular file",
    };

    // S_IFMT bits of stx_mode (-1 when the path does not exist) and stx_size; null when statx is unavailable.
    private static (int Mode, long Size)? Statx(string path, bool followLinks)
    {
        const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
        const uint StatxType = 0x1, StatxSize = 0x200;
        var buffer = new byte[256];  // sizeof(struct statx)
        try
        {
            if (StatxCall(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxType | StatxSize, buffer) != 0)
                return Marshal.GetLastPInvokeError() is 2 /* ENOENT */ or 20 /* ENOTDIR */ ? (-1, 0) : null;
        }
        catch (DllNotFoundException) { return null; }
        catch (EntryPointNotFoundException) { return null; }
        return (BitConverter.ToUInt16(buffer, 28) & 0xF000, BitConverter.ToInt64(buffer, 40));  // stx_mode at 28, stx_size at 40
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int StatxCall(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
