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
/// background load falls on both alike. Each side gets one warm-up read and write per file.
/// Prints medians of wall and process CPU time, the nibabel/BrainGen ratios (above 1 means
/// BrainGen is faster), and the sizes of the .nii.gz files each side wrote.
/// Options: --runs N (default 7), --level L (BrainGen gzip level; default NiftiWriteOptions'),
/// --files F,F (default the two mricron templates).
/// </summary>
internal static class NiftiSuite
{
    private static readonly string[] DefaultFiles =
    [
        "/usr/share/mricron/templates/ch2better.nii.gz",
        "/usr/share/mricron/templates/ch2.nii.gz",
    ];

    private sealed record Sample(double Wall, double Cpu);

    public static int Run(string[] args)
    {
        var runs = 7;
        var options = NiftiWriteOptions.Default;
        var files = DefaultFiles;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--runs": runs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
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
            var v = Nifti.Read(file); // warm-up: JIT and page cache
            Nifti.Write(ours, v, v.SourceDataType, options);
            python.Ask(Read(file));
            python.Ask(Write(file, theirs));

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
            results.Add((name, "write .nii.gz", writes.Ours, writes.Theirs, new FileInfo(ours).Length, new FileInfo(theirs).Length));
        }
        Directory.Delete(temp, recursive: true);

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"NIfTI I/O: median of {runs} interleaved runs after 1 warm-up; {CpuModel()}, {Environment.ProcessorCount} logical cores");
        Console.WriteLine($".NET {Environment.Version}, BrainGen gzip level {options.CompressionLevel}; nibabel {pyInfo["nibabel"]}, numpy {pyInfo["numpy"]}, Python {pyInfo["python"]}, zlib {pyInfo["zlib"]}, nibabel gzip level {pyInfo["gzip_level"]}");
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
        return 0;
    }

    private static JsonObject Read(string file) => new() { ["op"] = "read", ["file"] = file };
    private static JsonObject Write(string file, string output) => new() { ["op"] = "write", ["file"] = file, ["out"] = output };
    private static Sample FromAnswer(JsonNode answer) => new(answer["wall"]!.GetValue<double>(), answer["cpu"]!.GetValue<double>());

    /// <summary>Wall time and process CPU time (all threads: thread pool and GC included).</summary>
    private static Sample Time(Action action)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        action();
        var wall = sw.Elapsed.TotalSeconds;
        return new(wall, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
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

        public PythonSide()
        {
            var script = Path.Combine(AppContext.BaseDirectory, "python", "nifti_bench.py");
            var start = new ProcessStartInfo("/usr/bin/python3")
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false,
            };
            start.ArgumentList.Add(script);
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
