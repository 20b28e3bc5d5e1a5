using System.Text.Json;
using System.Text.RegularExpressions;

namespace BrainGen.Imaging;

/// <summary>
/// Reads a BIDS dataset's anatomical images into a cohort table:
/// sub-*/[ses-*/]anat/*_{T1w,T2w,FLAIR,PDw}.nii[.gz], with covariates from participants.tsv and
/// sub-*/sub-*_sessions.tsv (session columns added to the participant's). Nothing is opened but
/// tables and folders, so reading a large cohort is fast; subjects that cannot be used are listed
/// with the reason instead of failing the whole read.
/// </summary>
public static partial class BidsDataset
{
    public static readonly string[] AnatomicalSuffixes = ["T1w", "T2w", "FLAIR", "PDw"];

    [GeneratedRegex("^[A-Za-z0-9]+$")]
    private static partial Regex LabelPattern();

    [GeneratedRegex(@"^sub-(?<sub>[A-Za-z0-9]+)(_ses-(?<ses>[A-Za-z0-9]+))?(_[A-Za-z]+-[A-Za-z0-9+]+)*_(?<suffix>[A-Za-z0-9]+)\.nii(\.gz)?$")]
    private static partial Regex AnatFilePattern();

    public static BidsCohort Read(string root, IReadOnlyCollection<string>? modalities = null)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: BIDS dataset folder not found");
        var wanted = new HashSet<string>(modalities ?? AnatomicalSuffixes, StringComparer.Ordinal);
        var warnings = new List<string>();
        var skipped = new List<SkippedSubject>();
        var rows = new List<CohortRow>();
        var name = ReadName(root, warnings);
        var participants = ReadParticipants(root, warnings);

        var subjectDirs = Directory.GetDirectories(root, "sub-*").OrderBy(d => d, StringComparer.Ordinal).ToList();
        var seen = new HashSet<string>();
        foreach (var dir in subjectDirs)
        {
            var label = Path.GetFileName(dir)[4..];
            if (!LabelPattern().IsMatch(label))
            {
                skipped.Add(new SkippedSubject(label, $"folder label '{label}' is not alphanumeric"));
                continue;
            }
            seen.Add(label);
            var covariates = participants.TryGetValue(label, out var p) ? p : null;
            if (covariates is null && participants.Count > 0) warnings.Add($"sub-{label} has a folder but no row in participants.tsv");
            var sessions = ReadSessions(dir, label, warnings);
            var found = CollectImages(dir, label, wanted, warnings);
            if (found.Count == 0)
            {
                skipped.Add(new SkippedSubject(label, $"no anatomical image ({string.Join("/", wanted)}) under anat/"));
                continue;
            }
            foreach (var (session, modality, path) in found)
            {
                var merged = new Dictionary<string, string?>(covariates ?? new Dictionary<string, string?>());
                if (session is not null && sessions.TryGetValue(session, out var s))
                    foreach (var (k, v) in s) merged[k] = v;
                else if (session is not null && sessions.Count > 0)
                    warnings.Add($"sub-{label}/ses-{session} has no row in sub-{label}_sessions.tsv");
                rows.Add(new CohortRow(label, session, modality, path, merged));
            }
        }
        foreach (var listed in participants.Keys.Where(k => !seen.Contains(k)).Order(StringComparer.Ordinal))
            skipped.Add(new SkippedSubject(listed, "listed in participants.tsv but has no sub- folder"));
        return new BidsCohort { Root = Path.GetFullPath(root), Name = name, Rows = rows, Skipped = skipped, Warnings = warnings };
    }

    private static string ReadName(string root, List<string> warnings)
    {
        var path = Path.Combine(root, "dataset_description.json");
        if (!File.Exists(path))
        {
            warnings.Add("dataset_description.json is missing (REQUIRED by BIDS)");
            return Path.GetFileName(Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar));
        }
        try
        {
            using var doc = JsonDocument.Parse(BoundedFile.ReadAllText(path, BoundedFile.ConfigBytes, "dataset_description.json"));
            return doc.RootElement.TryGetProperty("Name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : Path.GetFileName(root);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
    }

    private static Dictionary<string, Dictionary<string, string?>> ReadParticipants(string root, List<string> warnings)
    {
        var result = new Dictionary<string, Dictionary<string, string?>>();
        var path = Path.Combine(root, "participants.tsv");
        if (!File.Exists(path))
        {
            warnings.Add("participants.tsv is missing: no subject covariates");
            return result;
        }
        var table = TsvTable.Read(path);
        var id = table.IndexOf("participant_id");
        if (id != 0) throw new InvalidDataException($"{path}: participant_id must be the first column");
        foreach (var row in table.Rows)
        {
            var label = row[id]?.StartsWith("sub-") == true ? row[id]![4..] : null;
            if (label is null) throw new InvalidDataException($"{path}: participant_id '{row[id]}' does not start with sub-");
            if (result.ContainsKey(label)) throw new InvalidDataException($"{path}: participant sub-{label} is listed twice");
            result[label] = Enumerable.Range(1, table.Columns.Count - 1).ToDictionary(i => table.Columns[i], i => row[i]);
        }
        return result;
    }

    private static Dictionary<string, Dictionary<string, string?>> ReadSessions(string subjectDir, string label, List<string> warnings)
    {
        var result = new Dictionary<string, Dictionary<string, string?>>();
        var path = Path.Combine(subjectDir, $"sub-{label}_sessions.tsv");
        if (!File.Exists(path)) return result;
        var table = TsvTable.Read(path);
        var id = table.IndexOf("session_id");
        if (id < 0) throw new InvalidDataException($"{path}: session_id column is required");
        foreach (var row in table.Rows)
        {
            var ses = row[id]?.StartsWith("ses-") == true ? row[id]![4..] : row[id];
            if (ses is null) continue;
            result[ses] = Enumerable.Range(0, table.Columns.Count).Where(i => i != id).ToDictionary(i => table.Columns[i], i => row[i]);
        }
        return result;
    }

    private static List<(string? Session, string Modality, string Path)> CollectImages(string subjectDir, string label, HashSet<string> wanted, List<string> warnings)
    {
        var found = new List<(string?, string, string)>();
        var sessionDirs = Directory.GetDirectories(subjectDir, "ses-*").OrderBy(d => d, StringComparer.Ordinal).ToList();
        var places = sessionDirs.Count > 0
            ? sessionDirs.Select(d => ((string?)Path.GetFileName(d)[4..], Path.Combine(d, "anat")))
            : [((string?)null, Path.Combine(subjectDir, "anat"))];
        foreach (var (session, anat) in places)
        {
            if (!Directory.Exists(anat)) continue;
            foreach (var file in Directory.GetFiles(anat).OrderBy(f => f, StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file);
                if (!name.EndsWith(".nii") && !name.EndsWith(".nii.gz")) continue;
                var m = AnatFilePattern().Match(name);
                if (!m.Success || !wanted.Contains(m.Groups["suffix"].Value)) continue;
                var fileSession = m.Groups["ses"].Success ? m.Groups["ses"].Value : null;
                if (m.Groups["sub"].Value != label || fileSession != session)
                {
                    warnings.Add($"{file}: entities do not match its folder (sub-{label}{(session is null ? "" : $", ses-{session}")}); ignored");
                    continue;
                }
                found.Add((session, m.Groups["suffix"].Value, file));
            }
        }
        return found;
    }
}
