using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using BrainGen.Imaging;

namespace BrainGen.Bench;

/// <summary>
/// `nifti`: read and write ch2better.nii.gz (301x370x316) and ch2.nii.gz with BrainGen and with
/// nibabel (bench/python/nifti_bench.py --serve under /usr/bin/python3) on the same machine.
/// The two sides take turns run by run (BrainGen first on even runs, nibabel first on odd ones), so
/// background load falls on both alike. Each side first gets --warmup interleaved reads and writes
/// per file: a process that reads many volumes of one size settles into reusing freed memory (glibc
/// for nibabel after one read; the .NET GC after a few collections, ~7 reads of a new size), and the
/// timed runs measure that steady state. Separately, --cold N times the first read in each of N fresh
/// processes per side (`nifti --once FILE` / `nifti_bench.py --once FILE`, after the runtime and the
/// libraries are loaded): what a command that reads one file pays, JIT and fresh memory included.
/// Prints medians of wall and process CPU time, the nibabel/BrainGen ratios (above 1 means
/// BrainGen is faster), and the sizes of the .nii.gz files each side wrote.
/// Options: --runs N (default 9), --warmup N (default 10), --cold N (default 5; 0 skips),
/// --level L (BrainGen gzip level; default NiftiWriteOptions'), --files F,F (default the two mricron templates).
/// </summary>
internal static class NiftiSuite
{
    private static readonly string[] DefaultFiles =
    [
        "/usr/share/mricron/templates/ch2better.nii.gz",
        "/usr/share/mricron/templates/ch2.nii.gz",
    ];

    private sealed record Sample(double Wall, double Cpu, long Faults);

    public static int Run(string[] args)
    {
        if (args.Length == 2 && args[0] == "--once") return Once(args[1]);
        var runs = 9;
        var warmup = 10;
        var cold = 5;
        var options = NiftiWriteOptions.Default;
        var files = DefaultFiles;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--runs": runs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--cold": cold = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--level": options = options with { CompressionLevel = int.Parse(args[i + 1], CultureInfo.InvariantCulture) }; break;
                case "--files": files = args[i + 1].Split(','); break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        var temp = Path.Combine(Path.GetTempPath(), $"braingen-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(temp);
        using var python = new PythonSide();
        var pyInfo = python.Ask(new JsonObject { ["op"] = "info" });
        var loadStart = LoadAverage();
        var psiStart = CpuPressure();

        var results = new List<(string File, string Op, List<Sample> Ours, List<Sample> Theirs, long OurBytes, long TheirBytes)>();
        foreach (var file in files)
        {
            var ours = Path.Combine(temp, "braingen.nii.gz");
            var theirs = Path.Combine(temp, "nibabel.nii.gz");
            var v = Nifti.Read(file);
            for (var w = 0; w < warmup; w++)
            {
                // Warm-up: JIT, page cache, and each side's allocator settling on this volume size.
                Nifti.Read(file);
                python.Ask(Read(file));
                Nifti.Write(ours, v, v.SourceDataType, options);
                python.Ask(Write(file, theirs));
            }

            var reads = (Ours: new List<Sample>(), Theirs: new List<Sample>());
            var writes = (Ours: new List<Sample>(), Theirs: new List<Sample>());
            for (var r = 0; r < runs; r++)
            {
                var oursFirst = r % 2 == 0;
                void ReadOurs() => reads.Ours.Add(Time(() => Nifti.Read(file)));
                void ReadTheirs() => reads.Theirs.Add(FromAnswer(python.Ask(Read(file))));
                void WriteOurs() => writes.Ours.Add(Time(() => Nifti.Write(ours, v, v.SourceDataType, options)));
                void WriteTheirs() => writes.Theirs.Add(FromAnswer(python.Ask(Write(file, theirs))));
                if (oursFirst) { ReadOurs(); ReadTheirs(); WriteOurs(); WriteTheirs(); }
                else { ReadTheirs(); ReadOurs(); WriteTheirs(); WriteOurs(); }
            }
            // Same data on both sides: the two files must hold identical voxels.
            if (!Nifti.Read(ours).Data.AsSpan().SequenceEqual(Nifti.Read(theirs).Data))
                throw new InvalidOperationException($"{file}: BrainGen and nibabel wrote different voxels");
            var name = Path.GetFileName(file);
            var inFile = new FileInfo(file).Length;
            results.Add((name, "read (to float32)", reads.Ours, reads.Theirs, inFile, inFile));
            if (cold > 0)
            {
                var first = (Ours: new List<Sample>(), Theirs: new List<Sample>());
                for (var r = 0; r < cold; r++)
                {
                    void ColdOurs() => first.Ours.Add(FromAnswer(ColdRead(file)));
                    void ColdTheirs() => first.Theirs.Add(FromAnswer(ColdReadPython(file)));
                    if (r % 2 == 0) { ColdOurs(); ColdTheirs(); }
                    else { ColdTheirs(); ColdOurs(); }
                }
                results.Add((name, "first read in a fresh process", first.Ours, first.Theirs, inFile, inFile));
            }
            results.Add((name, "write .nii.gz", writes.Ours, writes.Theirs, new FileInfo(ours).Length, new FileInfo(theirs).Length));
        }
        Directory.Delete(temp, recursive: true);

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"NIfTI I/O: median of {runs} interleaved runs after {warmup} warm-up runs; first reads: median of {cold} fresh processes per side; {CpuModel()}, {Environment.ProcessorCount} logical cores");
        // The GC mode decides whether freed voxel arrays are reused (docs/performance.md), so it is part of the setup.
        var gc = $"{(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC{(System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.Interactive ? " (concurrent)" : "")}";
        Console.WriteLine($".NET {Environment.Version}, {gc}, BrainGen gzip level {options.CompressionLevel}; nibabel {pyInfo["nibabel"]}, numpy {pyInfo["numpy"]}, Python {pyInfo["python"]}, zlib {pyInfo["zlib"]}, nibabel gzip level {pyInfo["gzip_level"]}");
        Console.WriteLine($"load average (1 min) {loadStart} at start, {LoadAverage()} at end; /proc/pressure/cpu some avg60 {psiStart} at start, {CpuPressure()} at end");
        Console.WriteLine();
        Console.WriteLine("| file | operation | BrainGen wall (s) | nibabel wall (s) | nibabel/BrainGen wall | BrainGen CPU (s) | nibabel CPU (s) | nibabel/BrainGen CPU | output bytes BrainGen / nibabel |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (file, op, ours, theirs, ourBytes, theirBytes) in results)
        {
            var (ow, oc) = (Median(ours.Select(s => s.Wall)), Median(ours.Select(s => s.Cpu)));
            var (tw, tc) = (Median(theirs.Select(s => s.Wall)), Median(theirs.Select(s => s.Cpu)));
            var sizes = op.StartsWith("write", StringComparison.Ordinal) ? string.Create(inv, $"{ourBytes:N0} / {theirBytes:N0}") : "-";
            Console.WriteLine(string.Create(inv,
                $"| {file} | {op} | {ow:0.000} | {tw:0.000} | {tw / ow:0.00}x | {oc:0.000} | {tc:0.000} | {tc / oc:0.00}x | {sizes} |"));
        }
        Console.WriteLine();
        Console.WriteLine("Per-run wall seconds (BrainGen | nibabel):");
        foreach (var (file, op, ours, theirs, _, _) in results)
            Console.WriteLine(string.Create(inv, $"  {file} {op}: {string.Join(" ", ours.Select(s => s.Wall.ToString("0.000", inv)))} | {string.Join(" ", theirs.Select(s => s.Wall.ToString("0.000", inv)))}"));
        Console.WriteLine("Per-run minor page faults (BrainGen | nibabel):");
        foreach (var (file, op, ours, theirs, _, _) in results)
            Console.WriteLine(string.Create(inv, $"  {file} {op}: {string.Join(" ", ours.Select(s => s.Faults))} | {string.Join(" ", theirs.Select(s => s.Faults))}"));
        return 0;
    }

    /// <summary>`nifti --once FILE`: one read, the first in this process; prints {"wall", "cpu", "faults"}.</summary>
    private static int Once(string file)
    {
        var s = Time(() => Nifti.Read(file));
        Console.WriteLine(new JsonObject { ["wall"] = s.Wall, ["cpu"] = s.Cpu, ["faults"] = s.Faults }.ToJsonString());
        return 0;
    }

    /// <summary>This program again, as `nifti --once FILE`, whether it was started as an apphost or as `dotnet X.dll`.</summary>
    private static JsonNode ColdRead(string file)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            start.ArgumentList.Add(typeof(NiftiSuite).Assembly.Location);
        foreach (var a in new[] { "nifti", "--once", file }) start.ArgumentList.Add(a);
        return RunForAnswer(start);
    }

    private static JsonNode ColdReadPython(string file)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true };
        foreach (var a in new[] { PythonSide.Script, "--once", file }) start.ArgumentList.Add(a);
        return RunForAnswer(start);
    }

    private static JsonNode RunForAnswer(ProcessStartInfo start)
    {
        using var p = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{start.FileName} {string.Join(' ', start.ArgumentList)} exited with {p.ExitCode}");
        return JsonNode.Parse(output.Trim().Split('\n')[^1])!;
    }

    private static JsonObject Read(string file) => new() { ["op"] = "read", ["file"] = file };
    private static JsonObject Write(string file, string output) => new() { ["op"] = "write", ["file"] = file, ["out"] = output };
    private static Sample FromAnswer(JsonNode answer) =>
        new(answer["wall"]!.GetValue<double>(), answer["cpu"]!.GetValue<double>(), answer["faults"]!.GetValue<long>());

    /// <summary>Wall time, process CPU time (all threads: thread pool and GC included) and minor page faults.</summary>
    private static Sample Time(Action action)
    {
        var faults = MinorFaults();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        action();
        var wall = sw.Elapsed.TotalSeconds;
        return new(wall, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds, MinorFaults() - faults);
    }

    /// <summary>
    /// minflt of /proc/self/stat (as Python's resource.getrusage ru_minflt): first touches of memory.
    /// On the VMs measured here they cost more than the decoding, so the suite reports them. -1 off Linux.
    /// </summary>
    private static long MinorFaults()
    {
        var stat = TryRead("/proc/self/stat");
        if (stat is null) return -1;
        // Fields after "(comm) ": state ppid pgrp session tty_nr tpgid flags minflt ...
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    private static string LoadAverage() => TryRead("/proc/loadavg")?.Split(' ')[0] ?? "?";

    private static string CpuPressure() =>
        TryRead("/proc/pressure/cpu")?.Split('\n')[0].Split(' ').FirstOrDefault(f => f.StartsWith("avg60=", StringComparison.Ordinal))?[6..] + "%";

    private static string CpuModel() =>
        TryRead("/proc/cpuinfo")?.Split('\n').FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";

    private static string? TryRead(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>nifti_bench.py --serve: one JSON command per line in, one JSON answer per line out.</summary>
    private sealed class PythonSide : IDisposable
    {
        private readonly Process _process;

        public static string Script => Path.Combine(AppContext.BaseDirectory, "python", "nifti_bench.py");

        public PythonSide()
        {
            var start = new ProcessStartInfo("/usr/bin/python3")
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false,
            };
            start.ArgumentList.Add(Script);
            start.ArgumentList.Add("--serve");
            _process = Process.Start(start) ?? throw new InvalidOperationException("could not start /usr/bin/python3");
        }

        public JsonNode Ask(JsonObject command)
        {
            _process.StandardInput.WriteLine(command.ToJsonString());
            _process.StandardInput.Flush();
            var line = _process.StandardOutput.ReadLine()
                ?? throw new InvalidOperationException($"nifti_bench.py exited ({(_process.HasExited ? _process.ExitCode : -1)}) on {command.ToJsonString()}");
            return JsonNode.Parse(line)!;
        }

        public void Dispose()
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(10_000)) _process.Kill();
            _process.Dispose();
        }
    }
}
