using System.Runtime.InteropServices;
using BrainGen.Torch.Interop;

namespace BrainGen.Torch;

/// <summary>Process-wide engine state: version, seeds, devices, threads, and the thread-local modes.</summary>
public static class Torch
{
    /// <summary>The version of the libtorch the native shim is linked against.</summary>
    public static string Version => Marshal.PtrToStringUTF8(NativeMethods.bg_torch_version()) ?? "unknown";

    /// <summary>Seeds the default generators of every device, like <c>torch.manual_seed</c>.</summary>
    public static void ManualSeed(ulong seed) => NativeMethods.Check(NativeMethods.bg_manual_seed(seed), "manual_seed");

    public static int CudaDeviceCount => NativeMethods.Check(NativeMethods.bg_cuda_device_count(), "cuda.device_count");

    public static bool IsCudaAvailable => CudaDeviceCount > 0;

    public static void CudaSynchronize(int device = -1) => NativeMethods.Check(NativeMethods.bg_cuda_synchronize(device), "cuda.synchronize");

    /// <summary>Intra-op threads libtorch uses on the CPU.</summary>
    public static int NumThreads
    {
        get => NativeMethods.bg_get_num_threads();
        set => NativeMethods.Check(NativeMethods.bg_set_num_threads(value), "set_num_threads");
    }

    /// <summary>
    /// Whether libtorch may use oneDNN on the CPU (<c>torch.backends.mkldnn.enabled</c>), process-wide;
    /// off, convolutions and bf16 matmuls run ATen's native kernels.
    /// </summary>
    public static bool OneDnnEnabled
    {
        get => NativeMethods.bg_mkldnn_enabled() == 1;
        set => NativeMethods.bg_set_mkldnn_enabled(value ? 1 : 0);
    }

    /// <summary>How CPU bfloat16 convolutions and matmuls run in this process (settled before the first operator).</summary>
    public static Bf16CpuRouting Bf16CpuRouting => (Bf16CpuRouting)NativeMethods.bg_bf16_cpu_routing();

    /// <summary>Starts a scope that disposes the tensors created inside it (see <see cref="DisposeScope"/>).</summary>
    public static DisposeScope NewDisposeScope() => new();

    public static bool IsGradEnabled => NativeMethods.bg_grad_enabled() == 1;

    /// <summary>Turns gradient recording off on this thread until disposed (<c>torch.no_grad()</c>).</summary>
    public static IDisposable NoGrad() => new GradModeScope(false);

    /// <summary>Turns gradient recording on on this thread until disposed (<c>torch.enable_grad()</c>).</summary>
    public static IDisposable EnableGrad() => new GradModeScope(true);

    /// <summary><c>torch.inference_mode()</c>: no autograd and no version counting, on this thread.</summary>
    public static IDisposable InferenceMode() => new InferenceModeScope();

    /// <summary>
    /// <c>torch.autocast(device_type, dtype)</c> on this thread until disposed: eligible ops on tensors of
    /// <paramref name="device"/>'s type run in <paramref name="dtype"/> (bfloat16 by default).
    /// </summary>
    public static IDisposable Autocast(DeviceType device, DType dtype = DType.BFloat16) => new AutocastScope(device, dtype);

    /// <summary>Checks every generated operator the running libtorch has against its schema; returns the mismatches.</summary>
    public static IReadOnlyList<string> CheckGeneratedSchemas() =>
        Check(typeof(Ops).GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)
            .Select(field => field.GetValue(null)).OfType<OpHandle>());

    /// <summary>
    /// Checks, against the running libtorch, the generated operators that code in
    /// <paramref name="assemblies"/> calls (found by reading their IL: calls into <c>Ops</c> and the
    /// operator handles those methods load); returns the mismatches. On a libtorch other than the one
    /// the op layer was generated from, this is the set that must fit: the rest may legitimately
    /// have moved (private <c>aten::_*</c> operators come and go between releases).
    /// </summary>
    public static IReadOnlyList<string> CheckOperatorsCalledBy(IEnumerable<System.Reflection.Assembly> assemblies) =>
        Check(OperatorScan.CalledBy(assemblies).OrderBy(o => o.QualifiedName, StringComparer.Ordinal));

    /// <summary>Resolves each operator's runtime schema against its generated one; one line per missing or mismatched operator.</summary>
    private static List<string> Check(IEnumerable<OpHandle> operators)
    {
        var problems = new List<string>();
        foreach (var op in operators)
        {
            if (!op.IsAvailable)
            {
                problems.Add($"{op.QualifiedName}: missing");
                continue;
            }
            try { _ = op.Handle; }
            catch (TorchException e) { problems.Add(e.Message); }
        }
        return problems;
    }

    private sealed class GradModeScope : IDisposable
    {
        private readonly int _previous;
        private bool _done;
        public GradModeScope(bool enabled) => _previous = NativeMethods.bg_set_grad_enabled(enabled ? 1 : 0);
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            NativeMethods.bg_set_grad_enabled(_previous);
        }
    }

    private sealed class InferenceModeScope : IDisposable
    {
        private IntPtr _guard = NativeMethods.Check(NativeMethods.bg_inference_mode_enter(), "inference_mode");
        public void Dispose()
        {
            if (_guard == IntPtr.Zero) return;
            NativeMethods.bg_inference_mode_exit(_guard);
            _guard = IntPtr.Zero;
        }
    }

    private sealed unsafe class AutocastScope : IDisposable
    {
        private readonly DeviceType _device;
        private readonly int _previousEnabled;
        private readonly int _previousDType;
        private bool _done;

        public AutocastScope(DeviceType device, DType dtype)
        {
            int enabled, previous;
            NativeMethods.Check(NativeMethods.bg_autocast_enter((int)device, (int)dtype, &enabled, &previous), "autocast");
            (_device, _previousEnabled, _previousDType) = (device, enabled, previous);
        }

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            NativeMethods.Check(NativeMethods.bg_autocast_exit((int)_device, _previousEnabled, _previousDType), "autocast");
        }
    }
}
