using System.Reflection;
using System.Reflection.Emit;

namespace BrainGen.Torch.Interop;

/// <summary>
/// Finds the generated operators that code calls, by decoding method IL: every <c>call</c> into
/// <see cref="Ops"/> from outside it, then every <see cref="OpHandle"/> field those methods load.
/// </summary>
internal static class OperatorScan
{
    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> Codes = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(c => c.Value);

    public static IReadOnlyCollection<OpHandle> CalledBy(IEnumerable<Assembly> assemblies)
    {
        var opsMethods = new HashSet<MethodBase>();
        foreach (var assembly in assemblies)
        foreach (var type in assembly.GetTypes())
        {
            if (IsOps(type)) continue;
            foreach (var method in Methods(type))
                foreach (var (code, token) in Instructions(method))
                    if ((code == OpCodes.Call || code == OpCodes.Callvirt || code == OpCodes.Ldftn) &&
                        Resolve(() => method.Module.ResolveMethod(token, GenericArgs(method.DeclaringType), GenericArgs(method))) is { } callee &&
                        callee.DeclaringType is { } t && IsOps(t))
                        opsMethods.Add(callee);
        }
        var handles = new HashSet<OpHandle>(ReferenceEqualityComparer.Instance);
        foreach (var method in opsMethods)
            foreach (var (code, token) in Instructions(method))
                if (code == OpCodes.Ldsfld && Resolve(() => method.Module.ResolveField(token)) is { } field &&
                    field.FieldType == typeof(OpHandle) && field.GetValue(null) is OpHandle op)
                    handles.Add(op);
        return handles;
    }

    private static bool IsOps(Type type) => type == typeof(Ops) || (type.DeclaringType is { } outer && IsOps(outer));

    private static IEnumerable<MethodBase> Methods(Type type) =>
        type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)).Where(m => !m.IsAbstract);

    private static Type[]? GenericArgs(Type? type) => type is { IsGenericType: true } ? type.GetGenericArguments() : null;

    private static Type[]? GenericArgs(MethodBase method) => method.IsGenericMethod ? method.GetGenericArguments() : null;

    private static T? Resolve<T>(Func<T?> resolve) where T : class
    {
        try { return resolve(); }
        catch (Exception e) when (e is ArgumentException or BadImageFormatException or MissingMemberException or TypeLoadException) { return null; }
    }

    /// <summary>The opcodes of a method body with their 4-byte metadata tokens (0 for other operands).</summary>
    private static IEnumerable<(OpCode Code, int Token)> Instructions(MethodBase method)
    {
        byte[]? il;
        try { il = method.GetMethodBody()?.GetILAsByteArray(); }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException) { il = null; }
        if (il is null) yield break;
        for (int k = 0; k < il.Length;)
        {
            short value = il[k] == 0xFE && k + 1 < il.Length ? (short)(0xFE00 | il[k + 1]) : il[k];
            if (!Codes.TryGetValue(value, out var code)) yield break;  // not IL we can decode: stop this method
            k += code.Size;
            int token = 0;
            switch (code.OperandType)
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: k += 1; break;
                case OperandType.InlineVar: k += 2; break;
                case OperandType.InlineI8 or OperandType.InlineR: k += 8; break;
                case OperandType.InlineSwitch: k += 4 + 4 * BitConverter.ToInt32(il, k); break;
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                    token = BitConverter.ToInt32(il, k);
                    k += 4;
                    break;
                default: k += 4; break;  // InlineBrTarget, InlineI, InlineSig, InlineString, ShortInlineR
            }
            yield return (code, token);
        }
    }
}
