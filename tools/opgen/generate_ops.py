#!/usr/bin/env python3
"""Generates src/BrainGen.Torch/Generated/Ops.g.cs, the typed C# op layer, from a schema dump.

usage: generate_ops.py tools/opgen/schemas-1.13.txt src/BrainGen.Torch/Generated/Ops.g.cs

Every aten:: operator whose arguments and returns BrainGen can marshal becomes one static method
(`aten::conv3d.padding` -> `Ops.Conv3dPadding`). `out=` variants, named-tensor (Dimname) overloads
and ops on types with no C# counterpart are left out. Each method carries its schema text; at first
use the runtime's schema is compared with it (OpHandle.cs), so a libtorch whose ops changed fails
fast with both schemas in the message instead of misbehaving. Never edit the output by hand.
"""
import re
import sys

CSHARP_KEYWORDS = {
    "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
    "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
    "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
    "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
    "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
    "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
    "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
}

# schema type (aliases stripped, SymInt read as int) -> (C# type, OpCall setter)
ARG_TYPES = {
    "Tensor": ("Tensor", "Tensor"),
    "Tensor?": ("Tensor?", "OptionalTensor"),
    "Tensor[]": ("Tensor[]", "Tensors"),
    "Tensor?[]": ("Tensor?[]", "OptionalTensors"),
    "int": ("long", "Int"),
    "int?": ("long?", "Int"),
    "float": ("double", "Double"),
    "float?": ("double?", "Double"),
    "bool": ("bool", "Bool"),
    "bool?": ("bool?", "Bool"),
    "int[]": ("long[]", "Ints"),
    "int[]?": ("long[]?", "Ints"),
    "float[]": ("double[]", "Doubles"),
    "float[]?": ("double[]?", "Doubles"),
    "bool[]": ("bool[]", "Bools"),
    "Scalar": ("Scalar", "Scalar"),
    "Scalar?": ("Scalar?", "Scalar"),
    "ScalarType": ("DType", "DType"),
    "ScalarType?": ("DType?", "DType"),
    "Layout": ("long", "Int"),
    "Layout?": ("long?", "Int"),
    "MemoryFormat": ("MemoryFormat", "MemoryFormat"),
    "MemoryFormat?": ("MemoryFormat?", "MemoryFormat"),
    "Device": ("Device", "Device"),
    "Device?": ("Device?", "Device"),
    "str": ("string", "String"),
    "str?": ("string?", "String"),
    "Generator?": ("Generator?", "Generator"),
}

# schema return type -> (C# type, expression over the results `__results` at index {k})
RETURN_TYPES = {
    "Tensor": ("Tensor", "__results.Tensor({k})"),
    "Tensor[]": ("Tensor[]", "__results.Tensors({k})"),
    "int": ("long", "__results.Int({k})"),
    "float": ("double", "__results.Double({k})"),
    "bool": ("bool", "__results.Bool({k})"),
    "Scalar": ("Scalar", "__results.Scalar({k})"),
    "int[]": ("long[]", "__results.Ints({k})"),
    "float[]": ("double[]", "__results.Doubles({k})"),
}


def split_top(text):
    """Splits on commas outside brackets and quotes."""
    parts, depth, quote, cur = [], 0, None, ""
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
            continue
        cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def normalize_type(t):
    """`Tensor(a!)` -> `Tensor`, `SymInt[3]` -> `int[]`, keeping `?` and `[]`."""
    t = re.sub(r"\([^)]*\)", "", t)  # alias annotations
    t = t.replace("SymInt", "int")
    t = re.sub(r"\[\d+\]", "[]", t)
    return t


def parse(schema):
    m = re.match(r"^(\w+)::([\w]+)(?:\.(\w+))?\((.*)\) -> (.*)$", schema)
    if not m:
        return None
    ns, name, overload, args_text, ret_text = m.groups()
    args, kwonly = [], False
    for a in split_top(args_text):
        if a == "*":
            kwonly = True
            continue
        decl, _, default = a.partition("=")
        typ, _, arg_name = decl.strip().rpartition(" ")
        args.append({"type": typ, "norm": normalize_type(typ), "name": arg_name, "default": default or None,
                     "kwonly": kwonly, "mutable_out": kwonly and "!" in typ})
    ret_text = ret_text.strip()
    if ret_text == "()":
        rets = []
    elif ret_text.startswith("("):
        rets = [normalize_type(r.strip().split(" ")[0]) for r in split_top(ret_text[1:-1])]
    else:
        rets = [normalize_type(ret_text.split(" ")[0])]
    return {"ns": ns, "name": name, "overload": overload or "", "args": args, "rets": rets, "schema": schema}


def pascal(text):
    lead = len(text) - len(text.lstrip("_"))
    trail = len(text) - len(text.rstrip("_"))
    core = text.strip("_")
    return "_" * lead + "".join(p[:1].upper() + p[1:] for p in core.split("_") if p) + "_" * trail


def camel(text):
    p = pascal(text.strip("_"))
    name = p[:1].lower() + p[1:]
    return "@" + name if name in CSHARP_KEYWORDS else name


def supported(op):
    if op["ns"] != "aten" or op["name"].startswith("_foreach") or "out" in op["overload"].split("_"):
        return False
    # Named-tensor overloads: their Dimname arguments read as str in the dump.
    if "names" in op["overload"] or "dimname" in op["overload"].lower():
        return False
    if any(a["mutable_out"] for a in op["args"]):
        return False
    if any(a["norm"] not in ARG_TYPES for a in op["args"]):
        return False
    return all(r in RETURN_TYPES for r in op["rets"])


def emit(op, method):
    # C# needs optional parameters last; the call still fills values by schema position.
    params = []
    for index, a in enumerate(op["args"]):
        cs_type, setter = ARG_TYPES[a["norm"]]
        has_default = a["default"] is not None
        nullable_only = cs_type.endswith("?")
        if has_default and not nullable_only:
            cs_type += "?"
        params.append({"index": index, "cs": cs_type, "setter": setter, "name": camel(a["name"]),
                       "optional": has_default or (nullable_only and a["kwonly"]),
                       # null means "the schema default" when there is one, else None
                       "null_is_default": has_default})
    required = [p for p in params if not p["optional"]]
    optional = [p for p in params if p["optional"]]
    signature = ", ".join([f"{p['cs']} {p['name']}" for p in required] +
                          [f"{p['cs']} {p['name']} = null" for p in optional])

    rets = op["rets"]
    if not rets:
        ret_cs = "void"
    elif len(rets) == 1:
        ret_cs = RETURN_TYPES[rets[0]][0]
    else:
        ret_cs = "(" + ", ".join(RETURN_TYPES[r][0] for r in rets) + ")"

    qualified = f"aten::{op['name']}" + (f".{op['overload']}" if op["overload"] else "")
    field = "s_" + re.sub(r"\W", "_", qualified.replace("aten::", ""))
    schema_literal = op["schema"].replace("\\", "\\\\").replace('"', '\\"')
    lines = [
        f'    private static readonly OpHandle {field} = new("aten::{op["name"]}", "{op["overload"]}", "{schema_literal}");',
        f"    /// <summary><c>{xml_escape(op['schema'])}</c></summary>",
        f"    public static {ret_cs} {method}({signature})",
        "    {",
        f"        var __call = new OpCall({field}, stackalloc NativeValue[{len(params)}]);",
    ]
    keep_alive = []
    for p in params:
        default_flag = "true" if p["null_is_default"] else "false"
        if p["setter"] in ("Tensor", "Tensors", "OptionalTensors") and not p["cs"].endswith("?"):
            lines.append(f"        __call.{p['setter']}({p['index']}, {p['name']});")
        else:
            lines.append(f"        __call.{p['setter']}({p['index']}, {p['name']}, nullIsDefault: {default_flag});")
        if p["setter"] in ("Tensor", "OptionalTensor", "Tensors", "OptionalTensors", "Generator"):
            keep_alive.append(p["name"])
    lines.append(f"        var __results = __call.Invoke(stackalloc NativeValue[{max(len(rets), 1)}]);")
    lines.extend(f"        GC.KeepAlive({name});" for name in keep_alive)
    if len(rets) == 1:
        lines.append("        return " + RETURN_TYPES[rets[0]][1].format(k=0) + ";")
    elif len(rets) > 1:
        lines.append("        return (" + ", ".join(RETURN_TYPES[r][1].format(k=k) for k, r in enumerate(rets)) + ");")
    lines.append("    }")
    return "\n".join(lines)


def xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main(schema_path, out_path):
    version = ""
    ops = []
    for line in open(schema_path):
        line = line.rstrip("\n")
        if line.startswith("# libtorch "):
            version = line[len("# libtorch "):]
        elif line and not line.startswith("#"):
            op = parse(line)
            if op and supported(op):
                ops.append(op)
    methods, seen = [], {}
    for op in sorted(ops, key=lambda o: (o["name"], o["overload"])):
        method = pascal(op["name"]) + pascal(op["overload"])
        if method in seen:
            print(f"skipped {op['schema']}: name {method} taken by {seen[method]}", file=sys.stderr)
            continue
        seen[method] = op["schema"]
        methods.append(emit(op, method))
    header = f"""// <auto-generated>
// Generated by tools/opgen/generate_ops.py from {schema_path.split('/')[-1]} (libtorch {version}).
// {len(methods)} operators. Do not edit: change the generator and run it again.
// </auto-generated>
#nullable enable
using BrainGen.Torch.Interop;

namespace BrainGen.Torch;

/// <summary>Every ATen operator BrainGen can call, one typed method per schema overload.</summary>
public static partial class Ops
{{
    /// <summary>The libtorch version these methods were generated from.</summary>
    public const string GeneratedFromVersion = "{version}";
"""
    with open(out_path, "w") as f:
        f.write(header)
        f.write("\n\n".join(methods))
        f.write("\n}\n")
    print(f"{len(methods)} operators written to {out_path}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
