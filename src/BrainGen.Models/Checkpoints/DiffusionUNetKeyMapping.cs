using System.Text.RegularExpressions;
using BrainGen.Models.Denoisers;
using BrainGen.Torch;
using BrainGen.Torch.NN;

namespace BrainGen.Models.Checkpoints;

/// <summary>The naming a DiffusionUNet state dict uses.</summary>
public enum DiffusionUNetNaming
{
    /// <summary>MONAI Generative (<c>generative.networks.nets.DiffusionModelUNet</c>): BrainGen's own names, the brain-LDM bundle's.</summary>
    MonaiGenerative,
    /// <summary>MONAI-core ≥ 1.4 (<c>monai.networks.nets.DiffusionModelUNet</c>).</summary>
    MonaiCore,
}

/// <summary>
/// MONAI-core → MONAI Generative key names for <see cref="DiffusionUNet"/> (what MC's <c>load_old_state_dict</c>
/// undoes, read off its source and checked by loading into both classes):
/// <list type="bullet">
/// <item>transformer attention output: <c>…transformer_blocks.N.attn{1,2}.out_proj.*</c> → <c>…attn{1,2}.to_out.0.*</c>;</item>
/// <item>plain attention blocks: <c>X.attn.to_{q,k,v}.*</c> → <c>X.to_{q,k,v}.*</c>; <c>X.attn.out_proj.*</c> → <c>X.proj_attn.*</c>
/// (MC <c>include_fc=False</c> has none: an identity proj_attn is supplied);</item>
/// <item>combined projections (MC <c>use_combined_linear=True</c>): <c>X.attn.qkv.*</c> and <c>…attn1.qkv.weight</c> split in
/// row thirds into to_q, to_k, to_v;</item>
/// <item>conv upsamplers: <c>up_blocks.N.upsampler.postconv.conv.*</c> → <c>up_blocks.N.upsampler.conv.conv.*</c>.</item>
/// </list>
/// Everything else is named alike. A plain attention's <c>out_proj</c> that is not the identity is live in MC; GM
/// semantics never apply it, so such a checkpoint needs <c>attention_output_projection=true</c>, and is refused otherwise.
/// </summary>
public static class DiffusionUNetKeyMapping
{
    private sealed record Rule(Regex Pattern, string Replacement, string What);

    private static Rule R(string pattern, string replacement, string what) => new(new Regex(pattern, RegexOptions.Compiled), replacement, what);

    /// <summary>The table: MC pattern → GM name.</summary>
    private static readonly Rule[] McToGm =
    [
        R(@"^(.+\.transformer_blocks\.\d+\.attn[12])\.out_proj\.(weight|bias)$", "$1.to_out.0.$2", "transformer attention output"),
        R(@"^(.+)\.attn\.(to_q|to_k|to_v)\.(weight|bias)$", "$1.$2.$3", "plain attention q/k/v"),
        R(@"^(.+)\.attn\.out_proj\.(weight|bias)$", "$1.proj_attn.$2", "plain attention output"),
        R(@"^(up_blocks\.\d+\.upsampler)\.postconv\.conv\.(weight|bias)$", "$1.conv.conv.$2", "conv upsampler"),
    ];

    // Plain attention X.attn.qkv.* -> X.to_{q,k,v}.*; transformer self-attention X.attn1.qkv.weight -> X.attn1.to_{q,k,v}.weight.
    private static readonly Regex CombinedQkv = new(@"^(.+?)(\.attn|\.attn1)\.qkv\.(weight|bias)$", RegexOptions.Compiled);

    /// <summary>MC when any key has a name only MC uses; GM otherwise.</summary>
    public static DiffusionUNetNaming Detect(IEnumerable<string> keys) =>
        keys.Any(k => McToGm.Any(r => r.Pattern.IsMatch(k)) || CombinedQkv.IsMatch(k)) ? DiffusionUNetNaming.MonaiCore : DiffusionUNetNaming.MonaiGenerative;

    /// <summary>The state dict under GM names (unchanged when it already uses them).</summary>
    public static IReadOnlyDictionary<string, HostTensor> ToGenerative(IReadOnlyDictionary<string, HostTensor> state, DiffusionUNetConfig config,
                                                                       string source = "state dict")
    {
        if (Detect(state.Keys) == DiffusionUNetNaming.MonaiGenerative) return state;
        var result = new Dictionary<string, HostTensor>();
        foreach (var (key, value) in state)
        {
            if (CombinedQkv.Match(key) is { Success: true } qkv)
            {
                var thirds = SplitRows(value, 3, $"{source}: {key}");  // rows are [q; k; v] (MC's "(qkv l d)" layout)
                string module = qkv.Groups[2].Value == ".attn1" ? qkv.Groups[1].Value + ".attn1" : qkv.Groups[1].Value;
                string[] names = ["to_q", "to_k", "to_v"];
                for (int i = 0; i < 3; i++) result[$"{module}.{names[i]}.{qkv.Groups[3].Value}"] = thirds[i];
                continue;
            }
            var rule = McToGm.FirstOrDefault(r => r.Pattern.IsMatch(key));
            string name = rule is null ? key : rule.Pattern.Replace(key, rule.Replacement);
            if (rule?.What == "plain attention output" && !config.AttentionOutputProjection && !IsIdentity(value, key.EndsWith(".weight")))
                throw new InvalidDataException(
                    $"{source}: {key} is a live output projection (MONAI-core include_fc=True) but the config applies none " +
                    "(GM semantics); set attention_output_projection=true in the config to load this checkpoint");
            if (!result.TryAdd(name, value)) throw new InvalidDataException($"{source}: {key} and another key both map to {name}");
        }
        // MC include_fc=False: no output projection at all; GM keeps a dead proj_attn, so supply the identity.
        foreach (var prefix in result.Keys.Where(k => k.EndsWith(".to_q.bias") && !k.Contains(".transformer_blocks.")).ToList())
        {
            string block = prefix[..^".to_q.bias".Length];
            if (result.ContainsKey($"{block}.proj_attn.weight") || !result.TryGetValue($"{block}.to_q.weight", out var q)) continue;
            long ch = q.Shape[0];
            result[$"{block}.proj_attn.weight"] = Eye(ch);
            result[$"{block}.proj_attn.bias"] = new HostTensor(DType.Float32, [ch], new byte[ch * 4]);
        }
        return result;
    }

    /// <summary>A hint for a failed strict load: which naming or config the mismatch points to.</summary>
    public static string Hint(IReadOnlyDictionary<string, HostTensor> mapped, Module model)
    {
        var own = model.StateDict().Select(e => e.Key).ToHashSet();
        var hints = new List<string>();
        if (own.Any(k => k.StartsWith("class_embedding")) != mapped.Keys.Any(k => k.StartsWith("class_embedding")))
            hints.Add("num_class_embeds differs from the checkpoint's");
        if (own.Any(k => k.Contains(".transformer_blocks.")) != mapped.Keys.Any(k => k.Contains(".transformer_blocks.")))
            hints.Add("with_conditioning differs from the checkpoint's (spatial transformers vs plain attention)");
        if (mapped.Keys.Any(k => k.Contains(".downsampler.op.")) != own.Any(k => k.Contains(".downsampler.op.")))
            hints.Add("resblock_updown differs from the checkpoint's");
        return hints.Count == 0 ? "" : " (hint: " + string.Join("; ", hints) + ")";
    }

    private static bool IsIdentity(HostTensor t, bool isWeight)
    {
        if (t.DType != DType.Float32 || (isWeight && (t.Shape.Length != 2 || t.Shape[0] != t.Shape[1]))) return false;
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.Data);
        long n = t.Shape[0];
        for (long i = 0; i < values.Length; i++)
        {
            float expected = isWeight && i / n == i % n ? 1f : 0f;
            if (values[(int)i] != expected) return false;
        }
        return true;
    }

    private static HostTensor Eye(long n)
    {
        var data = new float[n * n];
        for (long i = 0; i < n; i++) data[i * n + i] = 1f;
        var bytes = new byte[data.Length * 4];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        return new HostTensor(DType.Float32, [n, n], bytes);
    }

    private static HostTensor[] SplitRows(HostTensor t, int parts, string what)
    {
        if (t.Shape.Length == 0 || t.Shape[0] % parts != 0) throw new InvalidDataException($"{what}: cannot split [{string.Join(", ", t.Shape)}] in {parts}");
        long rows = t.Shape[0] / parts;
        int chunk = t.Data.Length / parts;
        return [.. Enumerable.Range(0, parts).Select(i => new HostTensor(t.DType, [rows, .. t.Shape[1..]], t.Data.AsSpan(i * chunk, chunk).ToArray()))];
    }
}
