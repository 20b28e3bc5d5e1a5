using System.Diagnostics;
using System.Runtime.InteropServices;
using BrainGen.Imaging;

namespace BrainGen.Imaging.Tests.IO;

public class BoundedFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "braingen-bounded", Guid.NewGuid().ToString("N"));

    public BoundedFileTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);

    private string Fifo(string name)
    {
        var path = Path.Combine(_dir, name);
        Assert.Equal(0, mkfifo(path, Convert.ToUInt32("600", 8)));
        return path;
    }

    [Fact]
    public void ARegularFileOrALinkToOneIsReadWhole()
    {
        var path = Path.Combine(_dir, "a.yaml");
        File.WriteAllText(path, "\uFEFFseed: 1\r\nname: x\n");
        var link = Path.Combine(_dir, "link.yaml");
        File.CreateSymbolicLink(link, path);
        Assert.Equal("seed: 1\r\nname: x\n", BoundedFile.ReadAllText(path, 1024, "config"));
        Assert.Equal(["seed: 1", "name: x"], BoundedFile.ReadAllLines(link, 1024, "config"));
        Assert.Equal(File.ReadAllBytes(path), BoundedFile.ReadAllBytes(link, 1024, "config"));
    }

    [Fact]
    public void AFileOverTheCapIsRefusedByName()
    {
        var path = Path.Combine(_dir, "big.json");
        File.WriteAllBytes(path, new byte[2049]);
        var e = Assert.Throws<IOException>(() => BoundedFile.ReadAllText(path, 2048, "model.json"));
        Assert.StartsWith(path + ": the model.json is larger than", e.Message);
    }

    public static TheoryData<string, string> SpecialFiles() => new()
    {
        { "/dev/zero", "a character device" },
        { "/dev/urandom", "a character device" },
    };

    [Theory]
    [MemberData(nameof(SpecialFiles))]
    public void ALinkToADeviceIsRefusedWithoutReading(string device, string kind)
    {
        if (!File.Exists(device)) return;
        var link = Path.Combine(_dir, "config.yaml");
        File.CreateSymbolicLink(link, device);
        var e = Assert.Throws<IOException>(() => BoundedFile.ReadAllText(link, BoundedFile.ConfigBytes, "config"));
        Assert.Equal($"{link}: the config is {kind}, not a regular file", e.Message);
    }

    [Fact]
    public void AFifoIsRefusedWithoutBlocking()
    {
        var fifo = Fifo("state.json");
        var clock = Stopwatch.StartNew();
        var read = Task.Run(() => BoundedFile.ReadAllText(fifo, BoundedFile.ConfigBytes, "checkpoint state"));
        Assert.True(((IAsyncResult)read).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10)), "reading a FIFO blocked");
        var e = Assert.IsType<IOException>(read.Exception!.InnerException);
        Assert.Contains("is a FIFO (named pipe), not a regular file", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void MissingFilesDirectoriesAndBrokenLinksAreNamed()
    {
        var missing = Path.Combine(_dir, "none.json");
        Assert.StartsWith(missing + ": model.json not found", Assert.Throws<FileNotFoundException>(() => BoundedFile.ReadAllText(missing, 100, "model.json")).Message);
        Assert.Equal($"{_dir}: the config is a directory, not a file", Assert.Throws<IOException>(() => BoundedFile.ReadAllText(_dir, 100, "config")).Message);
        var broken = Path.Combine(_dir, "broken.json");
        File.CreateSymbolicLink(broken, missing);
        Assert.StartsWith(broken + ": model.json not found", Assert.Throws<FileNotFoundException>(() => BoundedFile.ReadAllText(broken, 100, "model.json")).Message);
    }

    [Fact]
    public void OpenReadChecksTheTypeButNotTheSizeUnlessAsked()
    {
        var path = Path.Combine(_dir, "weights.bin");
        File.WriteAllBytes(path, new byte[5000]);
        using (var stream = BoundedFile.OpenRead(path, "weights")) Assert.Equal(5000, stream.Length);
        Assert.Throws<IOException>(() => BoundedFile.OpenRead(path, "weights", maxBytes: 4999));
        Assert.Throws<IOException>(() => BoundedFile.OpenRead(Fifo("w.safetensors"), "weights"));
    }
}

public class GridSizeTests
{
    [Fact]
    public void GridsBeyondOneArrayAreRefusedByName()
    {
        Assert.Equal(16 * 16 * 16, GridSize.Elements("x", 16, 16, 16));
        var e = Assert.Throws<ArgumentException>(() => GridSize.Elements("--shape 2000 2000 2000", 2000, 2000, 2000));
        Assert.StartsWith("--shape 2000 2000 2000: a 2000x2000x2000 grid would hold 8E+09 elements", e.Message);
        Assert.Throws<ArgumentException>(() => GridSize.Elements("zero", 4, 0, 4));
    }

    [Fact]
    public void ResamplingToATinySpacingIsRefusedBeforeAllocating()
    {
        var e = Assert.Throws<ArgumentException>(() => Resampler.GridForSpacing([160, 224, 160], Affine.Identity, [0.001, 0.001, 0.001]));
        Assert.StartsWith("resampling 160x224x160 voxels to a spacing of 0.001 x 0.001 x 0.001 mm: a 160000x224000x160000 grid", e.Message);
        Assert.Throws<ArgumentException>(() => new Canvas(30000 * 3, 30000));
    }
}
