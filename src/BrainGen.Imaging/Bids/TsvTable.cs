using System.Globalization;
using System.Text;

namespace BrainGen.Imaging;

/// <summary>
/// A BIDS tabular file: tab-separated, a header line, "n/a" for missing values (read as null).
/// Malformed tables raise <see cref="InvalidDataException"/> naming the file and line.
/// </summary>
public sealed class TsvTable
{
    public TsvTable(IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string?>> rows)
    {
        Columns = columns;
        Rows = rows;
    }

    public IReadOnlyList<string> Columns { get; }
    public IReadOnlyList<IReadOnlyList<string?>> Rows { get; }

    public int IndexOf(string column) => Columns.ToList().IndexOf(column);

    public static TsvTable Read(string path)
    {
        var lines = BoundedFile.ReadAllLines(path, BoundedFile.TableBytes, "table").Select(l => l.TrimEnd('\r')).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        if (lines.Count == 0) throw new InvalidDataException($"{path}: empty table (a header line is required)");
        var columns = lines[0].TrimStart('\uFEFF').Split('\t');
        if (columns.Any(string.IsNullOrWhiteSpace)) throw new InvalidDataException($"{path}: line 1: blank column name");
        var duplicate = columns.GroupBy(c => c).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidDataException($"{path}: line 1: column '{duplicate.Key}' appears twice");
        var rows = new List<IReadOnlyList<string?>>();
        for (var i = 1; i < lines.Count; i++)
        {
            if (lines[i].Length == 0) continue;
            var cells = lines[i].Split('\t');
            if (cells.Length != columns.Length)
                throw new InvalidDataException($"{path}: line {i + 1}: {cells.Length} fields, but the header has {columns.Length} (tabs, not spaces?)");
            rows.Add(cells.Select(c => c == "n/a" || c.Length == 0 ? null : c).ToArray());
        }
        return new TsvTable(columns, rows);
    }

    /// <summary>Writes atomically; null and NaN become "n/a", numbers use invariant culture.</summary>
    public static void Write(string path, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<object?>> rows)
    {
        var sb = new StringBuilder();
        sb.Append(string.Join('\t', columns)).Append('\n');
        foreach (var row in rows) sb.Append(string.Join('\t', row.Select(Format))).Append('\n');
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    public static string Format(object? value) => value switch
    {
        null => "n/a",
        double d when !double.IsFinite(d) => "n/a",
        float f when !float.IsFinite(f) => "n/a",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!.Replace('\t', ' ').Replace('\n', ' '),
    };
}
