using System.Reflection;
using BrainGen.Torch;

namespace BrainGen.Cli;

/// <summary>
/// Turns every exception into one line on stderr and exit code 1, instead of a stack trace. Our
/// libraries raise bad-input errors that name the file or option and the problem; those print as
/// they are. Errors wrapped by parallel loops and tasks (AggregateException) or reflection print
/// their first inner error. Running out of memory (the runtime's or libtorch's allocator) says so.
/// Anything else is a bug: it still prints one line, with the exception type, and asks for a
/// report. BRAINGEN_DEBUG=1 adds the full exception with its stack after the line.
/// </summary>
internal static class CliErrors
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"braingen: error: {Describe(Unwrap(e))}");
            if (Environment.GetEnvironmentVariable("BRAINGEN_DEBUG") == "1") Console.Error.WriteLine(e);
            return 1;
        }
    }

    /// <summary>The error a wrapper carries: the first inner exception of an AggregateException (nested ones too), of a TargetInvocationException or a TypeInitializationException.</summary>
    internal static Exception Unwrap(Exception e)
    {
        while (true)
        {
            switch (e)
            {
                case AggregateException { InnerExceptions: [var first, ..] }:
                    e = first;
                    break;
                case TargetInvocationException { InnerException: { } inner }:
                    e = inner;
                    break;
                case TypeInitializationException { InnerException: { } inner }:
                    e = inner;
                    break;
                default:
                    return e;
            }
        }
    }

    /// <summary>The one line for an (unwrapped) exception.</summary>
    internal static string Describe(Exception e) => e switch
    {
        InsufficientMemoryException => OneLine(e.Message),  // our memory check: the message has the estimate and the advice
        OutOfMemoryException => $"out of memory ({OneLine(e.Message)}); use a smaller model, batch or image size, or a machine with more memory",
        TorchException t when IsAllocationFailure(t.NativeMessage) =>
            $"out of memory in {t.Operation} ({OneLine(t.NativeMessage)}); use a smaller model, batch or image size, or a machine with more memory",
        IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException or FormatException
            or InvalidOperationException or TorchException or NotSupportedException => OneLine(e.Message),
        _ => $"unexpected {e.GetType().Name}: {OneLine(e.Message)} (a bug in braingen; BRAINGEN_DEBUG=1 prints where it happened)",
    };

    // libtorch's CPU allocator ("DefaultCPUAllocator: can't allocate memory") and the CUDA caching allocator ("CUDA out of memory").
    internal static bool IsAllocationFailure(string message) =>
        message.Contains("can't allocate memory", StringComparison.OrdinalIgnoreCase)
        || message.Contains("out of memory", StringComparison.OrdinalIgnoreCase)
        || message.Contains("std::bad_alloc", StringComparison.Ordinal);

    // Messages with line breaks (libtorch's, some runtime ones) are joined so the error stays one line.
    private static string OneLine(string message) =>
        string.Join(" ", message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
