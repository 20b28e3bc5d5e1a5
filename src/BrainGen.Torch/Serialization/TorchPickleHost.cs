using System.IO.Compression;

namespace BrainGen.Torch.Serialization;

/// <summary>
/// What a torch.save pickle may refer to: the allowlist of globals, and storages as persistent
/// ids. Tensors are validated against their storage record while the pickle runs (before any
/// allocation) and get their final, zero-filled <see cref="HostTensor"/> at once; the bytes are
/// streamed in afterwards by <see cref="TensorMaterializer"/>, one pass per storage record.
/// </summary>
internal sealed class TorchPickleHost(PthArchive archive, PthReadOptions options) : IPickleHost
{
    private const string Refusal = "only tensors, storages and plain containers can be loaded";

    private static readonly Dictionary<string, DType> StorageClasses = new(StringComparer.Ordinal)
    {
        ["FloatStorage"] = DType.Float32, ["DoubleStorage"] = DType.Float64, ["HalfStorage"] = DType.Float16,
        ["BFloat16Storage"] = DType.BFloat16, ["LongStorage"] = DType.Int64, ["IntStorage"] = DType.Int32,
        ["ShortStorage"] = DType.Int16, ["CharStorage"] = DType.Int8, ["ByteStorage"] = DType.UInt8,
        ["BoolStorage"] = DType.Bool,
    };

    private readonly long _budget = options.TensorBudget(archive.Length);
    private readonly Dictionary<string, TorchStorage> _storages = new(StringComparer.Ordinal);
    private long _allocated;

    /// <summary>Every tensor built so far with where its bytes come from, in pickle order.</summary>
    public List<PendingTensor> Pending { get; } = [];

    public PickleCallable? ResolveGlobal(string module, string name, out string refusal)
    {
        refusal = Refusal;
        switch (module, name)
        {
            case ("collections", "OrderedDict"): return new OrderedDictClass();
            case ("torch._utils", "_rebuild_tensor_v2"): return new RebuildTensor(this);
            case ("torch._utils", "_rebuild_parameter"): return new RebuildParameter(name, 3);
            case ("torch._utils", "_rebuild_parameter_with_state"): return new RebuildParameter(name, 4);
            case ("_codecs", "encode"): return new NumpyScalars.Latin1Bytes();
            case ("torch", _) when StorageClasses.TryGetValue(name, out var dtype): return new StorageClass(name, dtype);
        }
        if (NumpyScalars.IsScalarGlobal(module, name) || NumpyScalars.IsDTypeGlobal(module, name))
        {
            if (options.AllowNumpyScalars)
                return NumpyScalars.IsDTypeGlobal(module, name) ? NumpyScalars.DType() : NumpyScalars.Scalar(module);
            refusal = "numpy scalars are read only with PthReadOptions.AllowNumpyScalars, e.g. PthReadOptions.Tolerant for MONAI/Lightning checkpoints";
        }
        return null;
    }

    /// <summary>A storage id: ('storage', torch.XStorage, key, location, numel).</summary>
    public object PersistentLoad(object? pid)
    {
        if (pid is not PickleTuple { Count: 5 } t || t[0] is not "storage" || t[1] is not StorageClass type
            || t[2] is not string key || t[3] is not string || t[4] is not long numel || numel < 0)
            throw new PickleRejection($"persistent id must be ('storage', torch.<Type>Storage, key, location, numel), got {PickleMachine.TypeName(pid)}{(pid is PickleTuple p ? $" of {p.Count} items" : "")}");
        if (_storages.TryGetValue(key, out var known))
        {
            if (known.DType != type.DType || known.Numel != numel)
                throw new PickleRejection($"storage '{key}' is declared as {numel} {type.DType} elements here but as {known.Numel} {known.DType} elements before");
            return known;
        }
        var entry = archive.FindStorage(key) ?? throw new PickleRejection($"storage record '{archive.Prefix}data/{key}' is missing from the archive");
        archive.CheckStored(entry);
        // Divide rather than multiply: a hostile numel must not overflow before it is compared.
        if (numel > entry.Length / type.DType.ElementSize())
            throw new PickleRejection($"storage '{key}' declares {numel} {type.DType} elements ({(decimal)numel * type.DType.ElementSize()} bytes) but its record holds {entry.Length} bytes");
        var storage = new TorchStorage(key, type.DType, numel, entry);
        _storages.Add(key, storage);
        return storage;
    }

    /// <summary>Validates a strided view of a storage and allocates its contiguous result.</summary>
    private HostTensor Rebuild(TorchStorage storage, long offset, long[] shape, long[] stride)
    {
        string view = $"offset {offset}, size [{string.Join(", ", shape)}], stride [{string.Join(", ", stride)}]";
        if (offset < 0 || shape.Any(d => d < 0) || stride.Any(s => s < 0) || shape.Length != stride.Length)
            throw new PickleRejection($"tensor view ({view}) has negative or mismatched entries");
        long numel, bytes, last = offset;
        try
        {
            numel = HostTensor.NumElements(shape);
            bytes = checked(numel * storage.DType.ElementSize());
            for (int d = 0; d < shape.Length; d++)
                last = checked(last + (shape[d] == 0 ? 0 : (shape[d] - 1) * stride[d]));
        }
        catch (OverflowException)
        {
            throw new PickleRejection($"tensor view ({view}) overflows 64-bit sizes");
        }
        if (numel > 0 && last >= storage.Numel)
            throw new PickleRejection($"tensor view ({view}) reaches element {last} of storage '{storage.Key}', which holds {storage.Numel}");
        if (bytes > Array.MaxLength)
            throw new PickleRejection($"tensor of {bytes} bytes exceeds what a HostTensor can hold ({Array.MaxLength} bytes)");
        if (bytes > _budget - _allocated)
            throw new PickleRejection($"tensors would take more than {_budget} bytes (PthReadOptions.MaxTensorBytes) from a {archive.Length}-byte file");
        _allocated += bytes;
        var tensor = new HostTensor(storage.DType, shape, new byte[bytes]);
        Pending.Add(new PendingTensor(storage, offset, shape, stride, tensor));
        return tensor;
    }

    private static long[] Dims(object? value, string what) =>
        value is PickleTuple t && t.All(x => x is long)
            ? t.Select(x => (long)x!).ToArray()
            : throw new PickleRejection($"{what} must be a tuple of ints, got {PickleMachine.TypeName(value)}");

    /// <summary>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata]).</summary>
    private sealed class RebuildTensor(TorchPickleHost host) : PickleCallable("torch._utils", "_rebuild_tensor_v2")
    {
        public override object? Call(PickleTuple args)
        {
            if (args.Count is not (6 or 7))
                throw Reject($"takes 6 or 7 arguments, got {args.Count}");
            var storage = Arg<TorchStorage>(args, 0, "storage");
            long offset = Arg<long>(args, 1, "storage offset");
            Arg<bool>(args, 4, "requires_grad");
            Arg<PickleDict>(args, 5, "backward hooks");
            return host.Rebuild(storage, offset, Dims(args[2], "size"), Dims(args[3], "stride"));
        }
    }

    /// <summary>torch._utils._rebuild_parameter[_with_state](data, requires_grad, hooks[, state]): the tensor itself.</summary>
    private sealed class RebuildParameter(string name, int arity) : PickleCallable("torch._utils", name)
    {
        public override object? Call(PickleTuple args) => args.Count == arity
            ? Arg<HostTensor>(args, 0, "data")
            : throw Reject($"takes {arity} arguments, got {args.Count}");
    }

    /// <summary>collections.OrderedDict(): pickled empty, then filled by SETITEMS.</summary>
    private sealed class OrderedDictClass() : PickleCallable("collections", "OrderedDict")
    {
        public override object? Call(PickleTuple args) =>
            args.Count == 0 ? new PickleDict() : throw Reject($"is only allowed with no arguments, got {args.Count}");
    }

    /// <summary>torch.FloatStorage and friends: only a storage id's type tag, never called.</summary>
    private sealed class StorageClass(string name, DType dtype) : PickleCallable("torch", name)
    {
        public DType DType { get; } = dtype;

        public override object? Call(PickleTuple args) => throw Reject("storage classes are only valid inside a storage id");
    }
}

/// <summary>A storage record of the archive: element type and count, validated against the record's length.</summary>
internal sealed class TorchStorage(string key, DType dtype, long numel, ZipArchiveEntry entry) : PickleInternal
{
    public string Key { get; } = key;
    public DType DType { get; } = dtype;
    public long Numel { get; } = numel;
    public ZipArchiveEntry Entry { get; } = entry;

    public override string Describe() => $"storage '{Key}'";
}

/// <summary>A tensor whose bytes still have to be read from its storage.</summary>
internal sealed record PendingTensor(TorchStorage Storage, long Offset, long[] Shape, long[] Stride, HostTensor Target);
