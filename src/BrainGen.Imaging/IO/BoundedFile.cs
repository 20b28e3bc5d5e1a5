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
/// The file type comes from <see cref="FileKinds"/>. BrainGen.Torch compiles this file too, as an
/// internal class (BRAINGEN_TORCH), for the safetensors and .pth readers and the model configs.
/// </remarks>
#if BRAINGEN_TORCH
internal
#else
public
#endif
static class BoundedFile
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
        var (kind, size) = FileKinds.Inspect(path, followLinks: true);
        return kind switch
        {
            FileKind.Regular => size,
            FileKind.Missing => throw new FileNotFoundException(
                $"{path}: {what} not found{(new FileInfo(path).LinkTarget is null ? "" : " (a link that points nowhere)")}", path),
            FileKind.Directory => throw new IOException($"{path}: the {what} is a directory, not a file"),
            _ => throw new IOException($"{path}: the {what} is {FileKinds.Describe(kind)}, not a regular file"),
        };
    }

    private static IOException TooLarge(string path, string what, long cap) =>
        new($"{path}: the {what} is larger than {cap >> 20} MB, more than such a file can plausibly hold");

    private static string DecodeText(byte[] bytes)
    {
        var encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
        var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        return encoding.GetString(bytes, start, bytes.Length - start);
    }
}
