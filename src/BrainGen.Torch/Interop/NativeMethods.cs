using System.Runtime.InteropServices;

namespace BrainGen.Torch.Interop;

/// <summary>The C ABI of native/braingen_torch.h. Nothing here throws; callers check results.</summary>
internal static unsafe partial class NativeMethods
{
    private const string Lib = "braingen_torch";

    [LibraryImport(Lib)] internal static partial IntPtr bg_last_error();
    [LibraryImport(Lib)] internal static partial IntPtr bg_torch_version();
    [LibraryImport(Lib)] internal static partial long bg_live_tensors();
    [LibraryImport(Lib)] internal static partial void bg_free(IntPtr p);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr bg_op_find(string name, string overload);
    [LibraryImport(Lib)] internal static partial int bg_op_schema(IntPtr op, byte* buf, int cap);
    [LibraryImport(Lib)] internal static partial IntPtr bg_all_schemas();
    [LibraryImport(Lib)] internal static partial int bg_call(IntPtr op, NativeValue* args, int nargs, NativeValue* rets, int maxrets);

    [LibraryImport(Lib)] internal static partial IntPtr bg_tensor_from_host(void* data, long* sizes, int ndim, int dtype, int deviceType, int deviceIndex);
    [LibraryImport(Lib)] internal static partial IntPtr bg_tensor_from_blob(void* data, long* sizes, int ndim, int dtype, delegate* unmanaged<IntPtr, void> deleter, IntPtr ctx);
    [LibraryImport(Lib)] internal static partial int bg_tensor_to_host(IntPtr t, void* dst, long nbytes);
    [LibraryImport(Lib)] internal static partial void* bg_tensor_data_ptr(IntPtr t);
    [LibraryImport(Lib)] internal static partial IntPtr bg_tensor_alias(IntPtr t);
    [LibraryImport(Lib)] internal static partial int bg_tensor_set_data(IntPtr t, IntPtr data);
    [LibraryImport(Lib)] internal static partial void bg_tensor_free(IntPtr t);
    [LibraryImport(Lib)] internal static partial int bg_tensor_dim(IntPtr t);
    [LibraryImport(Lib)] internal static partial int bg_tensor_sizes(IntPtr t, long* output, int cap);
    [LibraryImport(Lib)] internal static partial int bg_tensor_strides(IntPtr t, long* output, int cap);
    [LibraryImport(Lib)] internal static partial int bg_tensor_dtype(IntPtr t);
    [LibraryImport(Lib)] internal static partial int bg_tensor_device(IntPtr t, int* index);
    [LibraryImport(Lib)] internal static partial int bg_tensor_is_contiguous(IntPtr t);
    [LibraryImport(Lib)] internal static partial int bg_tensor_same(IntPtr a, IntPtr b);

    [LibraryImport(Lib)] internal static partial int bg_requires_grad(IntPtr t);
    [LibraryImport(Lib)] internal static partial int bg_set_requires_grad(IntPtr t, int on);
    [LibraryImport(Lib)] internal static partial int bg_is_leaf(IntPtr t);
    [LibraryImport(Lib)] internal static partial IntPtr bg_grad(IntPtr t);
    [LibraryImport(Lib)] internal static partial int bg_set_grad(IntPtr t, IntPtr grad);
    [LibraryImport(Lib)] internal static partial int bg_retain_grad(IntPtr t);
    [LibraryImport(Lib)] internal static partial int bg_backward(IntPtr* outputs, IntPtr* grads, int n, int retainGraph, int createGraph);
    [LibraryImport(Lib)] internal static partial int bg_autograd_grad(IntPtr* outputs, IntPtr* gradOutputs, int nout, IntPtr* inputs, int nin, IntPtr* results, int retainGraph, int createGraph, int allowUnused);
    [LibraryImport(Lib)] internal static partial int bg_grad_enabled();
    [LibraryImport(Lib)] internal static partial int bg_set_grad_enabled(int on);
    [LibraryImport(Lib)] internal static partial IntPtr bg_inference_mode_enter();
    [LibraryImport(Lib)] internal static partial void bg_inference_mode_exit(IntPtr guard);
    [LibraryImport(Lib)] internal static partial int bg_autocast_enter(int deviceType, int dtype, int* prevEnabled, int* prevDtype);
    [LibraryImport(Lib)] internal static partial int bg_autocast_exit(int deviceType, int prevEnabled, int prevDtype);

    [LibraryImport(Lib)] internal static partial int bg_manual_seed(ulong seed);
    [LibraryImport(Lib)] internal static partial IntPtr bg_generator_new(int deviceType, int deviceIndex, ulong seed);
    [LibraryImport(Lib)] internal static partial void bg_generator_free(IntPtr g);
    [LibraryImport(Lib)] internal static partial ulong bg_generator_seed(IntPtr g);
    [LibraryImport(Lib)] internal static partial IntPtr bg_generator_get_state(IntPtr g);
    [LibraryImport(Lib)] internal static partial int bg_generator_set_state(IntPtr g, IntPtr state);

    [LibraryImport(Lib)] internal static partial int bg_cuda_device_count();
    [LibraryImport(Lib)] internal static partial int bg_cuda_synchronize(int deviceIndex);
    [LibraryImport(Lib)] internal static partial int bg_get_num_threads();
    [LibraryImport(Lib)] internal static partial int bg_mkldnn_enabled();
    [LibraryImport(Lib)] internal static partial int bg_set_mkldnn_enabled(int on);
    [LibraryImport(Lib)] internal static partial int bg_bf16_cpu_routing();
    [LibraryImport(Lib)] internal static partial int bg_set_num_threads(int n);

    internal static string LastError() => Marshal.PtrToStringUTF8(bg_last_error()) ?? "unknown libtorch error";

    /// <summary>Throws the pending native error when <paramref name="status"/> is negative.</summary>
    internal static int Check(int status, string what)
    {
        if (status < 0) throw new TorchException(what, LastError());
        return status;
    }

    internal static IntPtr Check(IntPtr handle, string what)
    {
        if (handle == IntPtr.Zero) throw new TorchException(what, LastError());
        return handle;
    }
}
