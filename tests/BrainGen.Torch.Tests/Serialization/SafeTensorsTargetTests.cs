using BrainGen.Torch.Serialization;

namespace BrainGen.Torch.Tests.Serialization;

/// <summary>SafeTensors.Save replaces only a regular file: a link, folder or device at the target is refused and left as it was.</summary>
public class SafeTensorsTargetTests
{
    private static readonly Dictionary<string, HostTensor> One = new() { ["w"] = new HostTensor(DType.Float32, [1], BitConverter.GetBytes(1f)) };

    [Theory]
    [InlineData("link", "is a symbolic link")]
    [InlineData("folder", "is a directory")]
    [InlineData("/dev/null", "is a character device, not a regular file")]
    public void ANonRegularTargetIsRefused(string name, string message)
    {
        if (!OperatingSystem.IsLinux()) return;
        using var temp = new TempFolder();
        var kept = temp.Write("kept.bin", [1, 2, 3]);
        var target = name.StartsWith('/') ? name : temp.File(name);
        if (name == "link") File.CreateSymbolicLink(target, kept);
        if (name == "folder") Directory.CreateDirectory(target);

        var e = Assert.Throws<IOException>(() => SafeTensors.Save(target, One));
        Assert.Contains($"{target}: {message}", e.Message);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(kept));
        Assert.Empty(Directory.GetFiles(temp.Root, "*.tmp"));
        if (name == "link") Assert.NotNull(new FileInfo(target).LinkTarget);
    }
}
