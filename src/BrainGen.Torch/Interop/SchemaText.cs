using System.Text.RegularExpressions;

namespace BrainGen.Torch.Interop;

/// <summary>
/// Compares operator schemas across libtorch versions. A generated method stays valid when every
/// argument it passes keeps its position, name and (normalized) type, when arguments the runtime
/// added come after them with defaults (the shim fills those), and when the returns agree.
/// Normalization reads SymInt as int and drops alias annotations and fixed list sizes, as the
/// dispatcher's "fake" types do.
/// </summary>
public static partial class SchemaText
{
    public static bool IsCompatible(string generated, string runtime, out string reason)
    {
        var g = Parse(generated);
        var r = Parse(runtime);
        reason = "";
        if (g is null || r is null)
        {
            reason = "unparseable schema";
            return false;
        }
        if (r.Args.Count < g.Args.Count)
        {
            reason = $"runtime takes {r.Args.Count} arguments, generated code passes {g.Args.Count}";
            return false;
        }
        for (int k = 0; k < g.Args.Count; k++)
        {
            if (g.Args[k].Name != r.Args[k].Name || g.Args[k].Type != r.Args[k].Type)
            {
                reason = $"argument {k} is '{g.Args[k].Type} {g.Args[k].Name}' here and '{r.Args[k].Type} {r.Args[k].Name}' at runtime";
                return false;
            }
        }
        for (int k = g.Args.Count; k < r.Args.Count; k++)
        {
            if (!r.Args[k].HasDefault)
            {
                reason = $"runtime argument '{r.Args[k].Name}' is new and has no default";
                return false;
            }
        }
        if (!g.Returns.SequenceEqual(r.Returns))
        {
            reason = $"returns ({string.Join(", ", g.Returns)}) here and ({string.Join(", ", r.Returns)}) at runtime";
            return false;
        }
        return true;
    }

    public sealed record Argument(string Type, string Name, bool HasDefault);
    public sealed record Schema(string Name, IReadOnlyList<Argument> Args, IReadOnlyList<string> Returns);

    public static Schema? Parse(string text)
    {
        int open = text.IndexOf('(');
        int arrow = text.LastIndexOf(") -> ", StringComparison.Ordinal);
        if (open < 0 || arrow < open) return null;
        var args = new List<Argument>();
        foreach (var part in SplitTopLevel(text[(open + 1)..arrow]))
        {
            if (part == "*") continue;
            int eq = part.IndexOf('=');
            var declaration = eq < 0 ? part : part[..eq];
            int space = declaration.LastIndexOf(' ');
            if (space < 0) return null;
            args.Add(new Argument(NormalizeType(declaration[..space]), declaration[(space + 1)..], eq >= 0));
        }
        var returnText = text[(arrow + 5)..].Trim();
        var returns = returnText == "()" ? [] :
            returnText.StartsWith('(')
                ? SplitTopLevel(returnText[1..^1]).Select(r => NormalizeType(r.Split(' ')[0])).ToList()
                : new List<string> { NormalizeType(returnText.Split(' ')[0]) };
        return new Schema(text[..open], args, returns);
    }

    public static string NormalizeType(string type)
    {
        type = AliasAnnotation().Replace(type, "");
        type = type.Replace("SymInt", "int");
        return FixedListSize().Replace(type, "[]");
    }

    private static List<string> SplitTopLevel(string text)
    {
        var parts = new List<string>();
        int depth = 0, start = 0;
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '"') quoted = !quoted;
            else if (quoted) continue;
            else if (c is '(' or '[') depth++;
            else if (c is ')' or ']') depth--;
            else if (c == ',' && depth == 0)
            {
                parts.Add(text[start..i].Trim());
                start = i + 1;
            }
        }
        if (text[start..].Trim().Length > 0) parts.Add(text[start..].Trim());
        return parts;
    }

    [GeneratedRegex(@"\([^)]*\)")] private static partial Regex AliasAnnotation();
    [GeneratedRegex(@"\[\d+\]")] private static partial Regex FixedListSize();
}
