using System.IO.Compression;

namespace BrainGen.Cli.Tests.Hostile;

/// <summary>Reader attacks that BrainGen already refuses by name; kept here so none can come back.</summary>
public static partial class HostileCases
{
    private static readonly string TinyBundle = CliRunner.RepoPath("tests/BrainGen.Pipelines.Tests/Fixtures/tiny_bundle");

    /// <summary>A copy of the tiny MONAI bundle in <paramref name="dir"/>, for cases that corrupt one of its files.</summary>
    internal static string CopyOfTinyBundle(string dir)
    {
        var copy = Path.Combine(dir, "bundle");
        foreach (var file in Directory.GetFiles(TinyBundle, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(TinyBundle, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }

    internal static string Write(string dir, string name, byte[] bytes)
    {
        var path = Path.Combine(dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public static IEnumerable<HostileCase> Readers =>
    [
        new("nifti: garbage bytes", dir => ["info", Write(dir, "garbage.nii", [.. Enumerable.Repeat((byte)0x5A, 400)])], "garbage.nii"),
        new("nifti: truncated header", dir => ["info", Write(dir, "short.nii", new byte[100])], "short.nii"),
        new("nifti: gzip that is not gzip", dir => ["info", Write(dir, "fake.nii.gz", "not gzip at all"u8.ToArray())], "fake.nii.gz"),
        new("pth: pickle that calls os.system", dir =>
        {
            var bundle = CopyOfTinyBundle(dir);
            var pth = Path.Combine(bundle, "models", "autoencoder.pth");
            File.Delete(pth);
            using (var zip = ZipFile.Open(pth, ZipArchiveMode.Create))
            using (var entry = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open())
                entry.Write([0x80, 0x02, .. "cos\nsystem\n"u8, .. "X\u0004\u0000\u0000\u0000true"u8, 0x85, .. "R."u8]);  // os.system("true")
            return ["generate", "--monai-bundle", bundle, "-o", Path.Combine(dir, "out"), "--no-preview"];
        }, "GLOBAL 'os system'", Check: dir => Assert.False(Directory.Exists(Path.Combine(dir, "out", "sub-00001")))),
    ];
}
