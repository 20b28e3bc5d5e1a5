using System.Security.Cryptography;
using System.Text.Json;

namespace BrainGen.Imaging.Tests;

/// <summary>Paths to committed fixtures, the installed mricron templates, and per-test temp folders.</summary>
internal static class TestFiles
{
    public const string Mricron = "/usr/share/mricron/templates";

    public static string Fixtures => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public static string Fixture(params string[] parts) => Path.Combine([Fixtures, .. parts]);

    public static JsonElement Reference { get; } = JsonDocument.Parse(File.ReadAllText(Fixture("nibabel_reference.json"))).RootElement;

    /// <summary>A fresh folder under the system temp dir, deleted when disposed.</summary>
    public static TempFolder TempDir() => new();

    public sealed class TempFolder : IDisposable
    {
        public TempFolder()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "braingen-imaging-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); }
            catch (IOException) { }
        }
    }

    /// <summary>SHA-256 of float32 voxels in NIfTI order, little-endian: what the fixture script hashes.</summary>
    public static string Sha256(float[] data)
    {
        var bytes = new byte[data.Length * 4];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();
    public static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    /// <summary>A small volume with a distinct value per voxel, for layout and round-trip tests.</summary>
    public static Volume Ramp(int nx, int ny, int nz, Affine? affine = null, Func<int, float>? value = null)
    {
        var data = new float[nx * ny * nz];
        for (var i = 0; i < data.Length; i++) data[i] = value?.Invoke(i) ?? i;
        return new Volume([nx, ny, nz], data, affine ?? Affine.FromSpacing(1.5, 2, 2.5, -10, 20, 5));
    }
}
