using BrainGen.Torch.Serialization;

namespace BrainGen.Torch.Tests.Serialization;

public class SafeTensorsMalformedTests
{
    public static TheoryData<string, byte[], string> Corpus => SafeTensorsCorpus.Malformed();

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Malformed_file_is_rejected_naming_file_and_problem(string name, byte[] bytes, string fragment)
    {
        using var temp = new TempFolder();
        string path = temp.Write("bad.safetensors", bytes);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Open(path).Dispose());
        Assert.StartsWith(path + ": ", e.Message);
        Assert.True(e.Message.Contains(fragment, StringComparison.Ordinal), $"{name}: message '{e.Message}' lacks '{fragment}'");
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Malformed_file_leaves_no_handle_open(string name, byte[] bytes, string fragment)
    {
        using var temp = new TempFolder();
        string path = temp.Write("bad.safetensors", bytes);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        // A leaked mapping or stream would keep the file open; exclusive open proves it is closed.
        using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { }
        Assert.False(string.IsNullOrEmpty(name + fragment));
    }

    [Fact]
    public void Every_truncation_of_a_valid_file_is_rejected()
    {
        byte[] valid = SafeTensors.Serialize(new Dictionary<string, HostTensor>
        {
            ["w"] = new(DType.Float32, [2, 3], new byte[24]),
            ["b"] = new(DType.Int64, [1], new byte[8]),
        }, new Dictionary<string, string> { ["format"] = "pt" });
        using var temp = new TempFolder();
        for (int length = 0; length < valid.Length; length++)
        {
            string path = temp.Write($"cut{length}.safetensors", valid[..length]);
            Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Open(path).Dispose());
        }
    }

    [Fact]
    public void Every_single_byte_flip_in_the_header_is_rejected_or_reads_consistently()
    {
        // A poor man's fuzzer: any mutation must end in a clean InvalidDataException or a file
        // whose entries still tile the data section exactly; never another exception type.
        byte[] valid = SafeTensors.Serialize(new Dictionary<string, HostTensor>
        {
            ["w"] = new(DType.Float32, [2, 3], new byte[24]),
            ["b"] = new(DType.Int16, [3], new byte[6]),
        });
        long headerEnd = 8 + BitConverter.ToInt64(valid, 0);
        using var temp = new TempFolder();
        string path = temp.File("flip.safetensors");
        int rejected = 0;
        for (int i = 0; i < headerEnd; i++)
        {
            foreach (byte bit in new byte[] { 0x01, 0x20, 0x80 })
            {
                byte[] mutated = (byte[])valid.Clone();
                mutated[i] ^= bit;
                File.WriteAllBytes(path, mutated);
                try
                {
                    using var file = SafeTensorsFile.Open(path);
                    Assert.Equal(valid.Length - headerEnd, file.Entries.Sum(e => e.ByteLength));
                }
                catch (InvalidDataException e)
                {
                    Assert.StartsWith(path + ": ", e.Message);
                    rejected++;
                }
            }
        }
        Assert.True(rejected > headerEnd, $"only {rejected} of {3 * headerEnd} mutations were rejected");
    }
}
