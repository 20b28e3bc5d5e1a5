namespace BrainGen.Torch;

/// <summary>An error raised inside libtorch (or the shim), with the operation that raised it.</summary>
public sealed class TorchException : Exception
{
    public TorchException(string operation, string message) : base($"{operation}: {message}")
    {
        Operation = operation;
        NativeMessage = message;
    }

    /// <summary>The operator or shim function, e.g. <c>aten::conv3d</c>.</summary>
    public string Operation { get; }

    /// <summary>libtorch's own message, without its C++ backtrace.</summary>
    public string NativeMessage { get; }
}
