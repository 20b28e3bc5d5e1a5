using System.Globalization;
using BrainGen.Torch;

namespace BrainGen.Pipelines.Training;

/// <summary>
/// What memory a run may use: on the CPU, the kernel's MemAvailable (/proc/meminfo) or, when the
/// process runs in a cgroup with a limit (/sys/fs/cgroup/.../memory.max, v2; memory.limit_in_bytes,
/// v1), that limit less what the group already uses, whichever is smaller. On CUDA the engine
/// offers no free-memory query, so the check is skipped there (<see cref="Bytes"/> null).
/// </summary>
public sealed record AvailableMemory(long? Bytes, string Source)
{
    public override string ToString() => Bytes is { } b ? $"{Source} {MemoryEstimate.Format(b)} available" : $"{Source}: unknown";

    public static AvailableMemory For(Device device) =>
        device.Type == DeviceType.CPU ? OfThisMachine() : new AvailableMemory(null, $"{device} free memory");

    public static AvailableMemory OfThisMachine()
    {
        var cgroup = CgroupFolder();
        return From(Read("/proc/meminfo"),
            Read(Path.Combine(cgroup, "memory.max")) ?? Read("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
            Read(Path.Combine(cgroup, "memory.current")) ?? Read("/sys/fs/cgroup/memory/memory.usage_in_bytes"));
    }

    /// <summary>The smaller of MemAvailable and (cgroup limit − usage); a limit of "max" (or v1's near-2^63 "unlimited") is none.</summary>
    public static AvailableMemory From(string? meminfo, string? cgroupMax, string? cgroupCurrent)
    {
        long? available = null;
        foreach (var line in (meminfo ?? "").Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts is ["MemAvailable:", var kb, "kB"] && long.TryParse(kb, NumberStyles.None, CultureInfo.InvariantCulture, out var k))
                available = k * 1024;
        }
        if (long.TryParse(cgroupMax?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit < (1L << 60))
        {
            long used = long.TryParse(cgroupCurrent?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var u) ? u : 0;
            long room = Math.Max(0, limit - used);
            if (available is null || room < available)
                return new AvailableMemory(room, $"the cgroup's memory limit ({MemoryEstimate.Format(limit)}, {MemoryEstimate.Format(used)} used) leaves");
        }
        return available is { } a ? new AvailableMemory(a, "this machine has") : new AvailableMemory(null, "this machine's memory");
    }

    // cgroup v2: "0::/some/group" in /proc/self/cgroup names the group's folder under /sys/fs/cgroup.
    private static string CgroupFolder()
    {
        var line = Read("/proc/self/cgroup")?.Split('\n').FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal));
        var relative = line?[3..].Trim().TrimStart('/') ?? "";
        return Path.Combine("/sys/fs/cgroup", relative);
    }

    private static string? Read(string path)
    {
        try { return File.Exists(path) ? File.ReadAllText(path) : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
