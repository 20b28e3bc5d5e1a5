namespace BrainGen.Torch.Serialization;

/// <summary>
/// A Python callable the reader has chosen to allow (a class or function named by GLOBAL),
/// implemented in C#: REDUCE calls <see cref="Call"/> instead of anything in Python. There is no
/// way to reach code that is not one of these.
/// </summary>
internal abstract class PickleCallable(string module, string name) : PickleInternal
{
    public string Module { get; } = module;
    public string Name { get; } = name;

    /// <summary>Applies the callable to its arguments; throws <see cref="PickleRejection"/> on anything unexpected.</summary>
    public abstract object? Call(PickleTuple args);

    public override string Describe() => $"'{Module} {Name}'";

    protected PickleRejection Reject(string problem) => new(problem);

    protected static T Arg<T>(PickleTuple args, int index, string what)
    {
        if (index >= args.Count)
            throw new PickleRejection($"{what} (argument {index}) is missing");
        return args[index] is T value
            ? value
            : throw new PickleRejection($"{what} (argument {index}) is {PickleMachine.TypeName(args[index])}, expected {typeof(T).Name}");
    }
}

/// <summary>A value the pickle's BUILD opcode may set state on (besides dicts).</summary>
internal interface IPickleBuildable
{
    void Build(object? state);
}

/// <summary>Supplies the globals and persistent objects (storages) a pickle may refer to.</summary>
internal interface IPickleHost
{
    /// <summary>The allowed callable for GLOBAL/STACK_GLOBAL, or null with the reason it is refused.</summary>
    PickleCallable? ResolveGlobal(string module, string name, out string refusal);

    /// <summary>The object for a BINPERSID id; throws <see cref="PickleRejection"/> when the id is invalid.</summary>
    object PersistentLoad(object? pid);
}

/// <summary>Raised by callables and hosts; the machine adds the file name and opcode offset.</summary>
internal sealed class PickleRejection(string message) : Exception(message);
