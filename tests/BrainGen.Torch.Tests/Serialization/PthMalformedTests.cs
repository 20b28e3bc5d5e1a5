using System.Diagnostics;
using System.Text;
using BrainGen.Torch.Serialization;

namespace BrainGen.Torch.Tests.Serialization;

public class PthMalformedTests
{
    private static readonly Dictionary<string, byte[]> OneStorage = new() { ["0"] = PthZip.Floats(1, 2, 3, 4) };

    public static TheoryData<string, byte[], string> Hostile => PthHostileCorpus.Cases();

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Hostile_pickle_is_refused_quickly_with_a_clear_message(string name, byte[] pickle, string fragment)
    {
        using var temp = new TempFolder();
        string path = temp.Write("hostile.pt", PthZip.Build(pickle, OneStorage));
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<InvalidDataException>(() => PthFile.Read(path, PthReadOptions.Tolerant));
        clock.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Assert.StartsWith(path + ": ", e.Message);
        Assert.True(e.Message.Contains(fragment, StringComparison.Ordinal), $"{name}: '{e.Message}' lacks '{fragment}'");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"{name} took {clock.Elapsed}");
        // The largest case is a 1.1 MB stack bomb; anything near a gigabyte means a length was trusted.
        Assert.True(allocated < 256L << 20, $"{name} allocated {allocated} bytes");
        Assert.False(File.Exists("/tmp/pwned"));
    }

    [Fact]
    public void Object_budget_is_enforced()
    {
        var pickle = new PickleBuilder().Proto().EmptyList();
        for (int i = 0; i < 2000; i++) pickle.EmptyList().Op('a');
        using var temp = new TempFolder();
        string path = temp.Write("many.pt", PthZip.Build(pickle.Stop().ToArray()));
        Assert.Equal(2000, Assert.IsType<List<object?>>(PthFile.Read(path)).Count);
        var e = Assert.Throws<InvalidDataException>(() => PthFile.Read(path, new PthReadOptions { MaxPickleObjects = 1000 }));
        Assert.Contains("creates more than 1000 objects (PthReadOptions.MaxPickleObjects)", e.Message);
    }

    [Fact]
    public void Tensor_byte_budget_is_enforced()
    {
        // Many views of one storage: each becomes its own tensor, so a small file could ask for a lot.
        var pickle = new PickleBuilder().Proto().Mark();
        for (int i = 0; i < 64; i++) pickle.Tensor("FloatStorage", "0", 4, 0, [4], [1]);
        using var temp = new TempFolder();
        string path = temp.Write("views.pt", PthZip.Build(pickle.Op('l').Stop().ToArray(), OneStorage));
        Assert.Equal(64, Assert.IsType<List<object?>>(PthFile.Read(path)).Count);
        var e = Assert.Throws<InvalidDataException>(() => PthFile.Read(path, new PthReadOptions { MaxTensorBytes = 1000 }));
        Assert.Contains("tensors would take more than 1000 bytes (PthReadOptions.MaxTensorBytes)", e.Message);
    }

    public static TheoryData<string, Func<byte[]>, string> Containers => new()
    {
        { "empty file", () => [], "is not a PyTorch checkpoint (a zip archive); it starts with bytes " },
        { "text file", () => Encoding.ASCII.GetBytes("hello"), "starts with bytes 68656C6C" },
        { "legacy torch.save", () => File.ReadAllBytes(Fixtures.PathOf("legacy.pt")), "legacy (pre-1.6) torch.save format, which BrainGen does not read; re-save it with a newer PyTorch" },
        { "truncated zip", () => File.ReadAllBytes(Fixtures.PathOf("small.pt"))[..700], "not a readable zip archive (truncated or damaged?)" },
        { "zip without data.pkl", () => PthZip.Build([], folder: "x")[..0].Concat(ZipWith("x/other", [1])).ToArray(), "without a <folder>/data.pkl record" },
        { "TorchScript archive", () => ZipWith("m/constants.pkl", [0x80, 2, (byte)'N', (byte)'.']), "is a TorchScript archive" },
        { "two data.pkl", () => PthZip.Build([0x80, 2, (byte)'N', (byte)'.'], extra: new Dictionary<string, byte[]> { ["other/data.pkl"] = [1] }), "holds 2 data.pkl records" },
        { "compressed storage", () => PthZip.Build(new PickleBuilder().Proto().Tensor("FloatStorage", "0", 256, 0, [256], [1]).Stop().ToArray(),
            new Dictionary<string, byte[]> { ["0"] = new byte[1024] }, compressStorages: true), "is compressed" },
        { "bad byteorder", () => PthZip.Build([0x80, 2, (byte)'N', (byte)'.'], extra: new Dictionary<string, byte[]> { ["archive/byteorder"] = "middle"u8.ToArray() }), "byteorder record says 'middle'" },
        { "whole nn.Module", () => File.ReadAllBytes(Fixtures.PathOf("whole_module.pt")), "GLOBAL 'torch.nn.modules.linear Linear' at byte " },
    };

    private static byte[] ZipWith(string name, byte[] data)
    {
        using var memory = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(memory, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        using (var stream = zip.CreateEntry(name).Open())
            stream.Write(data);
        return memory.ToArray();
    }

    [Theory]
    [MemberData(nameof(Containers))]
    public void Bad_container_is_refused_naming_file_and_problem(string name, Func<byte[]> bytes, string fragment)
    {
        using var temp = new TempFolder();
        string path = temp.Write("bad.pt", bytes());
        var e = Assert.Throws<InvalidDataException>(() => PthFile.Read(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.True(e.Message.Contains(fragment, StringComparison.Ordinal), $"{name}: '{e.Message}' lacks '{fragment}'");
    }

    [Fact]
    public void Every_truncation_of_a_checkpoint_is_refused_cleanly()
    {
        byte[] valid = File.ReadAllBytes(Fixtures.PathOf("small.pt"));
        using var temp = new TempFolder();
        string path = temp.File("cut.pt");
        for (int length = 0; length < valid.Length; length += 7)
        {
            File.WriteAllBytes(path, valid[..length]);
            Assert.Throws<InvalidDataException>(() => PthFile.Read(path));
        }
    }

    [Fact]
    public void Flipped_bytes_never_escape_as_other_exceptions()
    {
        // Mutate every byte of data.pkl and the storages: the reader either succeeds or throws
        // InvalidDataException naming the file; never IndexOutOfRange, overflow or a hang.
        byte[] valid = File.ReadAllBytes(Fixtures.PathOf("views.pt"));
        using var temp = new TempFolder();
        string path = temp.File("flip.pt");
        var random = new Random(1234);
        for (int i = 0; i < valid.Length; i++)
        {
            byte[] mutated = (byte[])valid.Clone();
            mutated[i] ^= (byte)(1 << random.Next(8));
            File.WriteAllBytes(path, mutated);
            try
            {
                PthFile.Read(path);
            }
            catch (InvalidDataException e)
            {
                Assert.StartsWith(path + ": ", e.Message);
            }
        }
    }
}
