using System.Globalization;
using BrainGen.Imaging;

namespace BrainGen.Pipelines.Training;

/// <summary>
/// loss.csv (step, learning rate, one column per loss term) and loss.png. On resume the
/// rows past the checkpoint's step are dropped first: a killed run may have logged steps that the
/// resumed run repeats, and the curve must show each step once.
/// </summary>
public sealed class LossLog
{
    private readonly string _path;
    private readonly string[] _columns;
    private readonly List<(long Step, double[] Values)> _rows = [];

    public LossLog(string runFolder, IReadOnlyList<string> terms, long resumeStep)
    {
        _path = Path.Combine(runFolder, "loss.csv");
        _columns = ["lr", .. terms];
        var header = "step," + string.Join(',', _columns);
        if (resumeStep > 0 && File.Exists(_path))
        {
            var lines = BoundedFile.ReadAllLines(_path, BoundedFile.TableBytes, "loss log");
            if (lines.Length == 0 || lines[0] != header)
                throw new InvalidDataException($"{_path}: header does not match this run's loss terms ({header})");
            for (int i = 1; i < lines.Length; i++)
            {
                var cells = lines[i].Split(',');
                var values = new double[cells.Length - 1];
                long step = 0;
                bool whole = cells.Length == _columns.Length + 1 && long.TryParse(cells[0], CultureInfo.InvariantCulture, out step)
                             && cells.Skip(1).Select((c, k) => double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out values[k])).All(ok => ok);
                if (!whole)
                {
                    if (i == lines.Length - 1 || lines[i].Length == 0) continue;  // a torn last line (the kill came mid-write)
                    throw new InvalidDataException($"{_path}: line {i + 1}: not a row of {_columns.Length + 1} numbers: '{lines[i]}'");
                }
                if (step > resumeStep) break;
                _rows.Add((step, values));
            }
        }
        AtomicFile.WriteAllText(_path, header + "\n" + string.Concat(_rows.Select(r => Format(r.Step, r.Values) + "\n")));
    }

    public IReadOnlyList<(long Step, double[] Values)> Rows => _rows;

    public void Append(long step, double lr, IReadOnlyList<double> losses)
    {
        double[] values = [lr, .. losses];
        _rows.Add((step, values));
        File.AppendAllText(_path, Format(step, values) + "\n");
    }

    private static string Format(long step, double[] values) =>
        step.ToString(CultureInfo.InvariantCulture) + "," + string.Join(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    private static readonly (byte, byte, byte)[] Colors = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75)];

    /// <summary>loss.png: each loss term (not the learning rate) on a log10 axis against the step.</summary>
    public void WritePlot(string title)
    {
        const int width = 720, height = 400, left = 70, right = 20, top = 40, bottom = 50;
        var canvas = new Canvas(width, height, (255, 255, 255));
        canvas.DrawText(left, 10, title, 2, (0, 0, 0));
        var series = Enumerable.Range(1, _columns.Length - 1)
            .Select(c => (Name: _columns[c], Points: _rows.Where(r => r.Values[c] > 0 && double.IsFinite(r.Values[c])).Select(r => (r.Step, Log: Math.Log10(r.Values[c]))).ToList()))
            .Where(s => s.Points.Count > 0).ToList();
        var all = series.SelectMany(s => s.Points).ToList();
        if (all.Count > 0)
        {
            double x0 = all.Min(p => p.Step), x1 = Math.Max(x0 + 1, all.Max(p => p.Step));
            double y0 = Math.Floor(all.Min(p => p.Log)), y1 = Math.Max(y0 + 1, Math.Ceiling(all.Max(p => p.Log)));
            int plotW = width - left - right, plotH = height - top - bottom;
            int Px(double step) => left + (int)Math.Round((step - x0) / (x1 - x0) * plotW);
            int Py(double log) => top + plotH - (int)Math.Round((log - y0) / (y1 - y0) * plotH);
            for (double y = y0; y <= y1; y++)
            {
                canvas.FillRect(left, Py(y), plotW, 1, (220, 220, 220));
                canvas.DrawText(4, Py(y) - 4, $"1e{y:0}", 1, (0, 0, 0));
            }
            canvas.FillRect(left, top, 1, plotH, (0, 0, 0));
            canvas.FillRect(left, top + plotH, plotW, 1, (0, 0, 0));
            canvas.DrawText(left, height - bottom + 8, $"step {x0:0}", 1, (0, 0, 0));
            canvas.DrawText(width - right - 80, height - bottom + 8, $"step {x1:0}", 1, (0, 0, 0));
            for (int s = 0; s < series.Count; s++)
            {
                var color = Colors[s % Colors.Length];
                var pts = series[s].Points;
                for (int i = 1; i < pts.Count; i++) Line(canvas, Px(pts[i - 1].Step), Py(pts[i - 1].Log), Px(pts[i].Step), Py(pts[i].Log), color);
                if (pts.Count == 1) canvas.FillRect(Px(pts[0].Step) - 1, Py(pts[0].Log) - 1, 3, 3, color);
                canvas.FillRect(left + 10 + s * 110, height - 18, 12, 8, color);
                canvas.DrawText(left + 26 + s * 110, height - 18, series[s].Name, 1, (0, 0, 0));
            }
        }
        canvas.WritePng(Path.Combine(Path.GetDirectoryName(_path)!, "loss.png"));
    }

    // Bresenham, clipped to the canvas.
    private static void Line(Canvas c, int x0, int y0, int x1, int y1, (byte, byte, byte) color)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
        while (true)
        {
            if (x0 >= 0 && y0 >= 0 && x0 < c.Width && y0 < c.Height) c.Set(x0, y0, color);
            if (x0 == x1 && y0 == y1) return;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }
}
