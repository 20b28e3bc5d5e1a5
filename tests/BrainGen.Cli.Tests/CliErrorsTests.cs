using System.Reflection;
using BrainGen.Torch;

namespace BrainGen.Cli.Tests;

public class CliErrorsTests
{
    public static TheoryData<Exception, string> Lines() => new()
    {
        { new InvalidDataException("a.nii: not a NIfTI file"), "a.nii: not a NIfTI file" },
        { new AggregateException(new AggregateException(new IOException("b.nii.gz: truncated")), new IOException("c.nii.gz: truncated")), "b.nii.gz: truncated" },
        { new TargetInvocationException(new FormatException("x.json: bad number")), "x.json: bad number" },
        { new OutOfMemoryException(), "out of memory (Insufficient memory to continue the execution of the program.); use a smaller model" },
        { new TorchException("aten::empty", "DefaultCPUAllocator: can't allocate memory: you tried to allocate 1099511627776 bytes."), "out of memory in aten::empty (DefaultCPUAllocator" },
        { new TorchException("aten::conv3d", "CUDA out of memory. Tried to allocate 2.00 GiB\n(GPU 0; 79 GiB total)"), "out of memory in aten::conv3d (CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79 GiB total))" },
        { new InsufficientMemoryException("ae.yaml: training needs about 90 GB"), "ae.yaml: training needs about 90 GB" },
        { new NullReferenceException("Object reference not set"), "unexpected NullReferenceException: Object reference not set (a bug in braingen" },
        { new IndexOutOfRangeException("Index was outside\nthe bounds"), "unexpected IndexOutOfRangeException: Index was outside the bounds (a bug" },
    };

    [Theory]
    [MemberData(nameof(Lines))]
    public void EveryExceptionBecomesOneLine(Exception e, string expectedStart)
    {
        var line = CliErrors.Describe(CliErrors.Unwrap(e));
        Assert.StartsWith(expectedStart, line);
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public void RunPrintsOneLineAndExitsOne()
    {
        var err = new StringWriter();
        var old = Console.Error;
        Console.SetError(err);
        try
        {
            int code = CliErrors.Run(() => throw new AggregateException(new OverflowException("Arithmetic operation resulted in an overflow.")));
            Assert.Equal(1, code);
        }
        finally { Console.SetError(old); }
        Assert.Equal("braingen: error: unexpected OverflowException: Arithmetic operation resulted in an overflow. (a bug in braingen; BRAINGEN_DEBUG=1 prints where it happened)",
                     err.ToString().TrimEnd());
    }
}
