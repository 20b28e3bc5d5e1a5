namespace BrainGen.Torch;

/// <summary>
/// Where CPU bfloat16 convolutions and matmuls run. libtorch 1.13 sends them to oneDNN whenever
/// CPUID reports AVX-512 BW/VL/DQ, without asking oneDNN, which has no bf16 kernels below
/// avx512_core; so a oneDNN capped lower (DNNL_MAX_CPU_ISA=AVX2) would fail all of them. The
/// engine then turns oneDNN off, and that work runs ATen's native kernels, as it does on a CPU
/// without AVX-512 (see docs/engine.md, "Portable numerics").
/// </summary>
public enum Bf16CpuRouting
{
    /// <summary>As libtorch decides: oneDNN where it can run bf16, ATen's native kernels elsewhere.</summary>
    AsLibtorchDecides = 0,

    /// <summary>oneDNN was turned off because it cannot run the bf16 work libtorch would send it.</summary>
    OneDnnTurnedOff = 1,

    /// <summary>bf16 convolutions fail with oneDNN on and off (oneDNN left as it was).</summary>
    Unavailable = 2,
}
