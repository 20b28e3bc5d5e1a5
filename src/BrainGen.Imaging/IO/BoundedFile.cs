using System.Runtime.InteropServices;
using System.Text;

namespace BrainGen.Imaging;

/// <summary>
/// Reads a config, model or table file only if it is a regular file (after following links) and,
/// for whole-file reads, no larger than a cap, so a link to /dev/zero or /dev/urandom is refused by
/// name instead of filling memory, and a FIFO is refused instead of blocking the open forever.
/// Every refusal is an exception whose message starts with the path and says what the file was
/// meant to be (<c>what</c>: "config", "model.json", ...).
/// </summary>
/// <remarks>
/// .NET reports no file type beyond directory/link on Unix (FileAttributes and UnixFileMode carry
/// only permissions), so the type comes from stat(2) through the runtime's own System.Native shim,
/// whose FileStatus layout (Flags, Mode, Uid, Gid, Size, ...) has been stable since .NET Core 2.
/// Where that shim is unavailable the check falls back to the attributes and the capped read.
/// BrainGen.Torch compiles this file too (as an internal class: Torch sits beside Imaging, not
/// above it), for the safetensors and .pth readers and the model configs.
/// </remarks>
static partial class BoundedFile
{
    /// <summary>The cap for configs and metadata (YAML, model.json, inference.json, state.json, sidecars).</summary>
    public const long ConfigBytes = 16L << 20;

    /// <summary>The cap for tables that grow with a cohort (participants.tsv, loss.csv).</summary>
    public const long TableBytes = 512L << 20;

    /// <summary>The whole file as UTF-8 text (a BOM is honoured), if it is a regular file of at most <paramref name="maxBytes"/>.</summary>
    public static string ReadAllText(string path, long maxBytes, string what) =>
        DecodeText(ReadAllBytes(path, maxBytes, what));

    /// <summary>The file's lines (\n or \r\n), as <see cref="File.ReadAllLines(string)"/> but bounded.</summary>
    public static string[] ReadAllLines(string path, long maxBytes, string what)
    {
        using var reader = new StringReader(ReadAllText(path, maxBytes, what));
        var lines = new List<string>();
        while (reader.ReadLine() is { } line) lines.Add(line);
        return [.. lines];
    }

    /// <summary>The whole file, if it is a regular file of at most <paramref name="maxBytes"/>; reads count bytes instead of trusting the size.</summary>
    public static byte[] ReadAllBytes(string path, long maxBytes, string what)
    {
        using var stream = OpenRead(path, what, maxBytes);
        var buffer = new MemoryStream((int)Math.Min(Math.Max(stream.Length, 0), maxBytes));
        var chunk = new byte[1 << 16];
        int n;
        while ((n = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + n > maxBytes) throw TooLarge(path, what, maxBytes);
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// Opens a regular file for reading (a large one too, e.g. weights, when <paramref name="maxBytes"/> is null);
    /// anything else (missing, a directory, a device, a FIFO, a socket) is refused by name.
    /// </summary>
    public static FileStream OpenRead(string path, string what, long? maxBytes = null, int bufferSize = 1 << 16, FileOptions options = FileOptions.None)
    {
        var size = EnsureRegularFile(path, what);
        if (maxBytes is { } cap && size > cap) throw TooLarge(path, what, cap);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize, options);
    }

    /// <summary>Throws unless <paramref name="path"/> names (through any links) a regular file; returns its size in bytes.</summary>
    public static long EnsureRegularFile(string path, string what)
    {
        if (Directory.Exists(path)) throw new IOException($"{path}: the {what} is a directory, not a file");
        var info = new FileInfo(path);
        if (!info.Exists && info.LinkTarget is null) throw new FileNotFoundException($"{path}: {what} not found", path);
        switch (Stat(path, out var status))
        {
            case StatOutcome.Done:
                var kind = status.Mode & TypeMask;
                if (kind != RegularFile) throw new IOException($"{path}: the {what} is {Describe(kind)}, not a regular file");
                return status.Size;
            case StatOutcome.Failed:  // FileInfo sees a link that points nowhere (or a file that vanished) as existing
                throw new FileNotFoundException($"{path}: {what} not found{(info.LinkTarget is null ? "" : " (a link that points nowhere)")}", path);
            default:
                return info.Length;
        }
    }

    private static IOException TooLarge(string path, string what, long cap) =>
        new($"{path}: the {what} is larger than {cap >> 20} MB, more than such a file can plausibly hold");

    private static string DecodeText(byte[] bytes)
    {
        var encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
        var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        return encoding.GetString(bytes, start, bytes.Length - start);
    }

    // S_IFMT and the file types, as POSIX numbers them (System.Native passes them through unchanged).
    private const int TypeMask = 0xF000, Fifo = 0x1000, CharDevice = 0x2000, DirectoryType = 0x4000,
        BlockDevice = 0x6000, RegularFile = 0x8000, SymbolicLink = 0xA000, Socket = 0xC000;

    private static string Describe(int kind) => kind switch
    {
        Fifo => "a FIFO (named pipe)",
        CharDevice => "a character device",
        BlockDevice => "a block device",
        DirectoryType => "a directory",
        SymbolicLink => "a symbolic link",
        Socket => "a socket",
        _ => $"of file type 0x{kind:X}",
    };

    private readonly record struct Status(int Mode, long Size);

    private enum StatOutcome { Done, Failed, Unavailable }

    private static bool _statUnavailable;

    // stat(2), following links; Unavailable where the runtime's shim is not there (then the caller falls back).
    private static unsafe StatOutcome Stat(string path, out Status status)
    {
        status = default;
        if (_statUnavailable || OperatingSystem.IsWindows()) return StatOutcome.Unavailable;
        var buffer = stackalloc byte[512];  // FileStatus is under 200 bytes; room for fields a later runtime may add
        try
        {
            if (SystemNativeStat(path, buffer) != 0) return StatOutcome.Failed;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _statUnavailable = true;
            return StatOutcome.Unavailable;
        }
        status = new Status(*(int*)(buffer + 4), *(long*)(buffer + 16));
        return StatOutcome.Done;
    }

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", CharSet = CharSet.Ansi, ExactSpelling = true)]
    private static extern unsafe int SystemNativeStatRaw(byte* path, byte* output);

    private static unsafe int SystemNativeStat(string path, byte* output)
    {
        var utf8 = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = utf8) return SystemNativeStatRaw(p, output);
    }
}
