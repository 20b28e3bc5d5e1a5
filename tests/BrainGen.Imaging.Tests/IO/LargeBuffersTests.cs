using System.Runtime.InteropServices;

namespace BrainGen.Imaging.Tests;

/// <summary>
/// LargeBuffers maps a voxel array's pages in before the decoder writes (MADV_POPULATE_WRITE), so a
/// read into fresh memory does not take one page fault per 4 KiB. Checked with mincore: right after
/// Allocate, before anything writes to the array, every whole page inside it is resident.
/// </summary>
public unsafe class LargeBuffersTests
{
    [DllImport("libc", EntryPoint = "mincore", SetLastError = true)]
    private static extern int Mincore(void* address, nuint length, byte* residency);

    [Theory]
    [InlineData(7_109_137)]   // ch2.nii.gz's voxel count: 28 MB, not a whole number of pages
    [InlineData(16_777_259)]  // 64 MiB and a little: a size no earlier test allocated, so fresh memory
    public void LargeArraysArePopulatedBeforeTheFirstWrite(int length)
    {
        if (!OperatingSystem.IsLinux()) return; // the calls are Linux-only; elsewhere Allocate is a plain allocation
        var array = LargeBuffers.Allocate<float>(length);
        Assert.Equal(length, array.Length);
        if (!LargeBuffers.PopulateWorks) return; // kernel before 5.14: nothing to check
        var page = (nuint)Environment.SystemPageSize;
        fixed (float* p = array)
        {
            var start = ((nuint)p + page - 1) & ~(page - 1);
            var end = ((nuint)(p + length)) & ~(page - 1);
            var pages = (int)((end - start) / page);
            var residency = new byte[pages];
            fixed (byte* r = residency)
                Assert.Equal(0, Mincore((void*)start, end - start, r));
            var missing = residency.Count(b => (b & 1) == 0);
            Assert.True(missing == 0, $"{missing} of {pages} pages not resident after Allocate");
        }
        // Uninitialized but fully usable.
        array.AsSpan().Fill(1f);
        Assert.Equal(1f, array[^1]);
    }

    [Fact]
    public void SmallArraysAreOrdinaryArrays()
    {
        var array = LargeBuffers.Allocate<float>(1000);
        Assert.Equal(1000, array.Length);
    }
}
