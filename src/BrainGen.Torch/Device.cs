namespace BrainGen.Torch;

/// <summary>c10::DeviceType values for the devices BrainGen runs on.</summary>
public enum DeviceType : int
{
    CPU = 0,
    CUDA = 1,
}

/// <summary>A device and its index (-1: the current one).</summary>
public readonly record struct Device(DeviceType Type, int Index = -1)
{
    public static readonly Device CPU = new(DeviceType.CPU);
    public static Device CUDA(int index = 0) => new(DeviceType.CUDA, index);

    /// <summary>Parses "cpu", "cuda" or "cuda:1".</summary>
    public static Device Parse(string text)
    {
        var parts = text.Trim().ToLowerInvariant().Split(':');
        var type = parts[0] switch
        {
            "cpu" => DeviceType.CPU,
            "cuda" => DeviceType.CUDA,
            _ => throw new ArgumentException($"unknown device '{text}' (expected cpu, cuda or cuda:N)"),
        };
        if (parts.Length == 1) return new Device(type, type == DeviceType.CUDA ? 0 : -1);
        if (parts.Length == 2 && int.TryParse(parts[1], out var index) && index >= 0) return new Device(type, index);
        throw new ArgumentException($"bad device '{text}' (expected cpu, cuda or cuda:N)");
    }

    public override string ToString() => Type switch
    {
        DeviceType.CPU => "cpu",
        _ => Index < 0 ? "cuda" : $"cuda:{Index}",
    };
}

/// <summary>c10::MemoryFormat values.</summary>
public enum MemoryFormat : int
{
    Contiguous = 0,
    Preserve = 1,
    ChannelsLast = 2,
    ChannelsLast3d = 3,
}
