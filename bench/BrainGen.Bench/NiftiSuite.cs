using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BrainGen.Imaging;

namespace BrainGen.Bench;

/// <summary>
/// `nifti`: read and write ch2better.nii.gz (301x370x316) and ch2.nii.gz with BrainGen and with
/// nibabel (bench/python/nifti_bench.py via /usr/bin/python3) on the same machine; prints medians
/// and the nibabel/BrainGen ratio (above 1 means BrainGen is faster). Options: --runs N (default 7).
/// </summary>
internal static class NiftiSuite
{
    private static readonly string[] Files =
    [
        "/usr/share/mricron/templates/ch2better.nii.gz",
        "/usr/share/mricron/templates/ch2.nii.gz",
    ];

    public static int Run(string[] args)
    {
        var runs = args.Length >= 2 && args[0] == "--runs" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 7;
        var temp = Path.Combine(Path.GetTempPath(), $"braingen-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(temp);
        var ours = new Dictionary<string, (double Read, double Write)>();
        foreach (var file in Files)
        {
            var v = Nifti.Read(file); // warm-up: JIT and page cache, as the Python side's first load
            var target = Path.Combine(temp, "out.nii.gz");
            Nifti.Write(target, v, v.SourceDataType);
            var read = Median(runs, () => Nifti.Read(file));
            var write = Median(runs, () => Nifti.Write(target, v, v.SourceDataType));
            ours[Path.GetFileName(file)] = (read, write);
        }
        Directory.Delete(temp, recursive: true);

        var python = RunPython(runs);
        using var doc = JsonDocument.Parse(python);
        var nib = doc.RootElement.GetProperty("files");
        Console.WriteLine($"NIfTI I/O, median of {runs} runs, {Environment.ProcessorCount} cores; nibabel {doc.RootElement.GetProperty("nibabel").GetString()}");
        Console.WriteLine();
        Console.WriteLine("| file | operation | BrainGen (s) | nibabel (s) | nibabel / BrainGen |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        foreach (var (file, (read, write)) in ours)
        {
            var n = nib.GetProperty(file);
            Row(file, "read (to float32)", read, n.GetProperty("read").GetDouble());
            Row(file, "write .nii.gz (uint8)", write, n.GetProperty("write").GetDouble());
        }
        return 0;
    }

    private static void Row(string file, string op, double ours, double theirs) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {file} | {op} | {ours:0.000} | {theirs:0.000} | {theirs / ours:0.00}x |"));

    private static double Median(int runs, Action action)
    {
        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times[i] = sw.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return runs % 2 == 1 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
    }

    private static string RunPython(int runs)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "python", "nifti_bench.py");
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, runs.ToString(CultureInfo.InvariantCulture) }.Concat(Files)) start.ArgumentList.Add(a);
        using var p = Process.Start(start) ?? throw new InvalidOperationException("could not start /usr/bin/python3");
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"nifti_bench.py failed ({p.ExitCode}): {error}");
        return output;
    }
}
