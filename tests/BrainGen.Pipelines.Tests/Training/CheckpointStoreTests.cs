using BrainGen.Pipelines.Training;
using BrainGen.Torch;

namespace BrainGen.Pipelines.Tests.Training;

public class CheckpointStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("braingen-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Dictionary<string, Dictionary<string, HostTensor>> Files(float value) => new()
    {
        ["model.safetensors"] = new() { ["w"] = new HostTensor(DType.Float32, [1], BitConverter.GetBytes(value)) },
    };

    // A state as a trainer writes it: the engine's generator state included.
    private static TrainingState State(long step)
    {
        using var generator = new Generator(7);
        return new TrainingState { Step = step, SamplesSeen = step, GeneratorState = Convert.ToBase64String(generator.GetState()) };
    }

    public static TheoryData<string, string> CorruptStates() => new()
    {
        { """{"Step": -5}""", "step is -5, but the checkpoint folder is step-2" },
        { """{"Step": 999999999999999}""", "step is 999999999999999, but the checkpoint folder is step-2" },
        { """{"SamplesSeen": -7}""", "samples_seen must not be negative (got -7)" },
        { """{"ScaleFactor": 0}""", "scale_factor must be positive and finite (got 0)" },
        { """{"GeneratorState": "AAAA"}""", "generator_state holds 3 bytes, the engine's generator state has" },
        { """{"GeneratorState": "not base64!"}""", "generator_state is not base64" },
        { """{"Step": "x"}""", "The JSON value could not be converted" },
    };

    [Theory]
    [MemberData(nameof(CorruptStates))]
    public void EveryStateFieldIsCheckedBeforeUse(string patch, string expected)
    {
        var dir = new CheckpointStore(_dir).Write(State(2), Files(2));
        var path = Path.Combine(dir, "state.json");
        var state = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        foreach (var (key, value) in System.Text.Json.Nodes.JsonNode.Parse(patch)!.AsObject()) state[key] = value?.DeepClone();
        File.WriteAllText(path, state.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => CheckpointStore.ReadState(dir));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void LatestSkipsInterruptedAndDamagedCheckpointsAndPruneKeepsTheNewest()
    {
        var store = new CheckpointStore(_dir, keep: 2);
        foreach (var step in new long[] { 1, 2, 3 }) store.Write(State(step), Files(step));
        Assert.Equal(["step-2", "step-3"], Directory.GetDirectories(store.Folder).Select(Path.GetFileName).Order());

        // A write that died before its marker, and one whose file was truncated after it: neither is used.
        Directory.CreateDirectory(Path.Combine(store.Folder, "step-5"));
        File.WriteAllBytes(Path.Combine(store.Folder, "step-5", "model.safetensors"), [1, 2, 3]);
        var step4 = store.Write(State(4), Files(4));
        using (var f = File.OpenWrite(Path.Combine(step4, "model.safetensors"))) f.SetLength(10);
        var warnings = new List<string>();
        var latest = store.Latest(warnings.Add);
        Assert.Equal("step-3", Path.GetFileName(latest));
        Assert.Contains(warnings, w => w.Contains("step-5") && w.Contains("no COMPLETE marker"));
        Assert.Contains(warnings, w => w.Contains("step-4") && w.Contains("bytes"));
        Assert.Equal(3, CheckpointStore.ReadState(latest!).Step);
    }

    [Fact]
    public void ACorruptFileUnderAValidMarkerIsAnErrorNamingIt()
    {
        var store = new CheckpointStore(_dir);
        var dir = store.Write(State(1), Files(1));
        var path = Path.Combine(dir, "model.safetensors");
        var bytes = File.ReadAllBytes(path);
        bytes[0] = 0xFF;  // header length now absurd, same file size
        bytes[7] = 0x7F;
        File.WriteAllBytes(path, bytes);
        Assert.Equal(dir, store.Latest());
        var e = Assert.ThrowsAny<Exception>(() => CheckpointStore.ReadTensors(dir, "model.safetensors"));
        Assert.Contains(path, e.Message);
    }
}
