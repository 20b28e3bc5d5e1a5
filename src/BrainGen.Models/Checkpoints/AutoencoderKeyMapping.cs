using System.Text.RegularExpressions;
using BrainGen.Torch;

namespace BrainGen.Models.Checkpoints;

/// <summary>Which MONAI naming a checkpoint of AutoencoderKL uses.</summary>
public enum AutoencoderCheckpointNaming
{
    /// <summary>Decide from the keys (<see cref="AutoencoderKeyMapping.DetectNaming"/>).</summary>
    Detect,

    /// <summary>MONAI Generative (GM) names: BrainGen's own, and the brain-LDM bundle's.</summary>
    MonaiGenerative,

    /// <summary>MONAI-core 1.4+ <c>monai.networks.nets.AutoencoderKL</c>.</summary>
    MonaiCore,
}

/// <summary>
/// The one explicit table between MONAI-core (MC, 1.4+) and MONAI Generative (GM) AutoencoderKL keys, the
/// inverse of MC's <c>AutoencoderKL.load_old_state_dict</c>. Every other key is the same in both.
/// <code>
/// MC key                                   GM key                                   note
/// decoder.blocks.N.postconv.conv.{w,b}     decoder.blocks.N.conv.conv.{w,b}         upsample conv (nearest ×2 mode)
/// P.attn.to_q.{w,b}  (to_k, to_v alike)    P.to_q.{w,b}                             attention projections
/// P.attn.qkv.{w,b}   (use_combined_linear) P.to_q / P.to_k / P.to_v                 rows split in thirds, q then k then v
/// P.attn.out_proj.{w,b}  (include_fc)      P.proj_attn.{w,b}                        GM never applies it: must be identity
/// (absent: include_fc=False)               P.proj_attn.{w,b} = identity, zeros      filled so GM's strict load passes
/// decoder.blocks.N.deconv.*                (none)                                   MC transposed upsampling (k2 s2) ≠ GM's (k3 s2 p1): error
/// </code>
/// </summary>
public static partial class AutoencoderKeyMapping
{
    [GeneratedRegex(@"^(?<block>.+)\.attn\.(?<name>to_q|to_k|to_v|qkv|out_proj)\.(?<param>weight|bias)$")]
    private static partial Regex McAttention();

    [GeneratedRegex(@"^(?<block>decoder\.blocks\.\d+)\.postconv\.conv\.(?<param>weight|bias)$")]
    private static partial Regex McPostConv();

    [GeneratedRegex(@"^decoder\.blocks\.\d+\.deconv\.")]
    private static partial Regex McDeconv();

    /// <summary>MC if any key has an MC-only form (postconv, attn.*); GM otherwise (the two agree on every other key).</summary>
    public static AutoencoderCheckpointNaming DetectNaming(IEnumerable<string> keys) =>
        keys.Any(k => McAttention().IsMatch(k) || McPostConv().IsMatch(k) || McDeconv().IsMatch(k))
            ? AutoencoderCheckpointNaming.MonaiCore
            : AutoencoderCheckpointNaming.MonaiGenerative;

    /// <summary>
    /// Renames an MC state dict to GM keys. <paramref name="trainedOutProj"/> lists the attention blocks whose
    /// <c>out_proj</c> is not the identity (a natively trained MC model): loadable only with
    /// AttentionOutputProjection = true.
    /// </summary>
    public static Dictionary<string, HostTensor> FromMonaiCore(IReadOnlyDictionary<string, HostTensor> state, string source,
                                                               out IReadOnlyList<string> trainedOutProj)
    {
        var result = new Dictionary<string, HostTensor>();
        var attentionBlocks = new SortedSet<string>(StringComparer.Ordinal);
        var hasOutProj = new HashSet<string>();
        var trained = new List<string>();
        foreach (var (key, value) in state)
        {
            if (McDeconv().IsMatch(key))
                throw new InvalidDataException($"{source}: {key}: MONAI-core transposed-convolution upsampling (kernel 2, stride 2) " +
                                               "has no MONAI Generative equivalent (kernel 3, stride 2, padding 1)");
            if (McPostConv().Match(key) is { Success: true } pc)
            {
                result[$"{pc.Groups["block"].Value}.conv.conv.{pc.Groups["param"].Value}"] = value;
                continue;
            }
            if (McAttention().Match(key) is not { Success: true } m)
            {
                result[key] = value;
                continue;
            }
            string block = m.Groups["block"].Value, name = m.Groups["name"].Value, param = m.Groups["param"].Value;
            attentionBlocks.Add(block);
            switch (name)
            {
                case "qkv":
                    var parts = SplitRows(value, 3, $"{source}: {key}");
                    result[$"{block}.to_q.{param}"] = parts[0];
                    result[$"{block}.to_k.{param}"] = parts[1];
                    result[$"{block}.to_v.{param}"] = parts[2];
                    break;
                case "out_proj":
                    hasOutProj.Add(block);
                    if (!(param == "weight" ? IsIdentity(value) : IsZero(value))) trained.Add($"{block}.attn.out_proj.{param}");
                    result[$"{block}.proj_attn.{param}"] = value;
                    break;
                default:
                    result[$"{block}.{name}.{param}"] = value;
                    break;
            }
        }
        foreach (var block in attentionBlocks.Where(b => !hasOutProj.Contains(b)))
        {
            // include_fc=False: GM still has the (dead) proj_attn; give it the identity so a strict load passes.
            long channels = (result.TryGetValue($"{block}.to_q.bias", out var bias) ? bias : result[$"{block}.to_q.weight"]).Shape[0];
            result[$"{block}.proj_attn.weight"] = Identity(channels);
            result[$"{block}.proj_attn.bias"] = new HostTensor(DType.Float32, [channels], new byte[channels * 4]);
        }
        trainedOutProj = trained;
        return result;
    }

    /// <summary>
    /// Renames a GM state dict to MC keys (MC defaults include_fc=True, use_combined_linear=False), as MC's
    /// load_old_state_dict would: proj_attn is dropped and out_proj set to the identity.
    /// </summary>
    public static Dictionary<string, HostTensor> ToMonaiCore(IReadOnlyDictionary<string, HostTensor> state)
    {
        var attentionBlocks = state.Keys.Where(k => k.EndsWith(".to_q.weight", StringComparison.Ordinal))
            .Select(k => k[..^".to_q.weight".Length]).ToHashSet();
        var result = new Dictionary<string, HostTensor>();
        foreach (var (key, value) in state)
        {
            int dot = key.LastIndexOf('.'), dot2 = key.LastIndexOf('.', dot - 1);
            string block = dot2 > 0 ? key[..dot2] : "", name = dot2 > 0 ? key[(dot2 + 1)..dot] : "", param = key[(dot + 1)..];
            if (attentionBlocks.Contains(block) && name is "to_q" or "to_k" or "to_v")
                result[$"{block}.attn.{name}.{param}"] = value;
            else if (attentionBlocks.Contains(block) && name == "proj_attn")
            {
                long channels = value.Shape[0];
                result[$"{block}.attn.out_proj.{param}"] = param == "weight"
                    ? Identity(channels)
                    : new HostTensor(DType.Float32, [channels], new byte[channels * 4]);
            }
            else if (Regex.Match(key, @"^(decoder\.blocks\.\d+)\.conv\.conv\.(weight|bias)$") is { Success: true } up)
                result[$"{up.Groups[1].Value}.postconv.conv.{up.Groups[2].Value}"] = value;
            else
                result[key] = value;
        }
        return result;
    }

    private static HostTensor[] SplitRows(HostTensor t, int parts, string what)
    {
        if (t.Shape.Length == 0 || t.Shape[0] % parts != 0)
            throw new InvalidDataException($"{what}: shape [{string.Join(", ", t.Shape)}] does not split into {parts} along dim 0");
        long rows = t.Shape[0] / parts;
        int bytes = t.Data.Length / parts;
        return Enumerable.Range(0, parts)
            .Select(i => new HostTensor(t.DType, [rows, .. t.Shape[1..]], t.Data.AsSpan(i * bytes, bytes).ToArray()))
            .ToArray();
    }

    private static HostTensor Identity(long n)
    {
        var data = new float[n * n];
        for (long i = 0; i < n; i++) data[i * n + i] = 1f;
        var bytes = new byte[data.Length * 4];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        return new HostTensor(DType.Float32, [n, n], bytes);
    }

    private static bool IsIdentity(HostTensor t)
    {
        if (t.Shape.Length != 2 || t.Shape[0] != t.Shape[1]) return false;
        var values = ToFloats(t);
        if (values is null) return false;
        long n = t.Shape[0];
        for (long i = 0; i < n; i++)
            for (long j = 0; j < n; j++)
                if (values[i * n + j] != (i == j ? 1f : 0f)) return false;
        return true;
    }

    private static bool IsZero(HostTensor t) => ToFloats(t) is { } v && v.All(x => x == 0f);

    private static float[]? ToFloats(HostTensor t)
    {
        if (t.DType != DType.Float32) return null;  // non-fp32 out_proj: treated as trained (checked by value only for fp32)
        var values = new float[t.Data.Length / 4];
        Buffer.BlockCopy(t.Data, 0, values, 0, t.Data.Length);
        return values;
    }
}
