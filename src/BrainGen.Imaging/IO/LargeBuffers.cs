using System.Runtime.InteropServices;

namespace BrainGen.Imaging;

/// <summary>
/// Large voxel arrays whose memory is mapped in before the decoder writes to it. A freshly allocated
/// array usually lies in memory the process has never touched, and each first touch of a 4 KiB page is a
/// page fault: on the virtual machines BrainGen was measured on, ~15 µs each, so a fresh 28 MB volume
/// cost more in faults than inflating the file that fills it. Two Linux calls, both purely advisory
/// (where they are unavailable or refused, nothing changes but the speed):
/// - MADV_HUGEPAGE on the whole 2 MiB pages inside the array, as numpy does for its large arrays:
///   one fault per 2 MiB instead of 512 (transparent_hugepage = madvise is the common default);
/// - MADV_POPULATE_WRITE (Linux 5.14+) over the array: the kernel maps every page in one call instead of
///   one trap per page. Measured on ch2.nii.gz (28 MB of float32): system time of a read into fresh memory
///   ~0.05-0.07 s with demand faults, under 0.01 s populated. Memory the heap already reuses is
///   mapped, and populating it only walks the page tables.
/// </summary>
internal static unsafe class LargeBuffers
{
    private const nuint HugePage = 2 << 20;
    private const int MadvHugePage = 14;       // <asm-generic/mman-common.h>
    private const int MadvPopulateWrite = 23;  // same header, Linux 5.14+
    private const int EInval = 22;             // unknown advice: a kernel older than 5.14

    /// <summary>Below this, the few faults cost less than the call.</summary>
    internal const long PopulateThresholdBytes = 1 << 20;

    private static bool _unavailable = !OperatingSystem.IsLinux();
    private static bool _populateUnavailable;

    /// <summary>False off Linux, and once the kernel has refused MADV_POPULATE_WRITE as unknown (before 5.14).</summary>
    internal static bool PopulateWorks => !_unavailable && !_populateUnavailable;

    /// <summary>An uninitialized array whose pages are mapped in, in huge pages where it spans whole ones.</summary>
    public static T[] Allocate<T>(int length) where T : unmanaged
    {
        var array = GC.AllocateUninitializedArray<T>(length);
        var bytes = (nuint)length * (nuint)sizeof(T);
        if (!_unavailable && bytes >= PopulateThresholdBytes) Advise(array, bytes);
        return array;
    }

    private static void Advise<T>(T[] array, nuint bytes) where T : unmanaged
    {
        // Large arrays live on the large-object heap, which is not compacted by default; the advice
        // concerns the address range at this moment anyway, and is harmless if the object moves.
        fixed (T* p = array)
        {
            var first = (nuint)p;
            var last = first + bytes;
            try
            {
                // Huge-page advice first, so that populating maps 2 MiB pages where it can.
                var hugeStart = (first + HugePage - 1) & ~(HugePage - 1);
                var hugeEnd = last & ~(HugePage - 1);
                if (bytes >= 2 * HugePage && hugeEnd > hugeStart)
                    Madvise((void*)hugeStart, hugeEnd - hugeStart, MadvHugePage);
                if (_populateUnavailable) return;
                var page = (nuint)Environment.SystemPageSize;
                var start = (first + page - 1) & ~(page - 1);
                var end = last & ~(page - 1);
                if (end <= start) return;
                // The result is ignored except for EINVAL (advice unknown): an ENOMEM here only means
                // the pages will be faulted in one by one, as without the call.
                if (Madvise((void*)start, end - start, MadvPopulateWrite) != 0 && Marshal.GetLastPInvokeError() == EInval)
                    _populateUnavailable = true;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                _unavailable = true;
            }
        }
    }

    [DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static extern int Madvise(void* address, nuint length, int advice);
}
