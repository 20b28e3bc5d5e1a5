// braingen_torch: the C ABI between BrainGen.Torch (C#) and libtorch.
//
// One generic entry point, bg_call, runs any ATen operator through the c10 dispatcher's boxed
// convention; the rest are lifecycle functions (create from host memory, copy out, free,
// autograd, grad mode, RNG, devices, errors). Every export catches c10::Error and
// std::exception: on failure it returns an error value (-1 or NULL) and leaves the message in a
// thread-local slot read by bg_last_error. Tensor handles are heap-allocated at::Tensor objects;
// each returned handle owns one reference and must be released with bg_tensor_free.
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BG_EXPORT __attribute__((visibility("default")))

typedef void* bg_tensor;
typedef void* bg_op;
typedef void* bg_generator;

// Tags of bg_value. Argument coercion is decided by the schema's argument type, so the same tag
// may become different IValues (an INT for a Scalar becomes a Scalar, for a float a double).
enum bg_tag {
  BG_DEFAULT = 0,      // use the schema's default value for this argument
  BG_NONE = 1,
  BG_TENSOR = 2,       // p: at::Tensor* (NULL = undefined tensor)
  BG_INT = 3,          // i
  BG_DOUBLE = 4,       // d
  BG_BOOL = 5,         // i (0/1)
  BG_INTS = 6,         // p: int64_t[len]
  BG_DOUBLES = 7,      // p: double[len]
  BG_TENSORS = 8,      // p: at::Tensor*[len]
  BG_OPT_TENSORS = 9,  // p: at::Tensor*[len], NULL entries are None
  BG_DEVICE = 10,      // i: device type (0 cpu, 1 cuda), len: device index (-1 = current)
  BG_STRING = 11,      // p: UTF-8, NUL-terminated
  BG_BOOLS = 12,       // p: uint8_t[len]
  BG_GENERATOR = 13,   // p: at::Generator*
};

typedef struct {
  int32_t tag;
  int32_t len;
  int64_t i;
  double d;
  void* p;
} bg_value;

// ---- errors and version
BG_EXPORT const char* bg_last_error(void);
BG_EXPORT const char* bg_torch_version(void);
BG_EXPORT int64_t bg_live_tensors(void);

// ---- operators
// Finds an operator by qualified name ("aten::conv3d") and overload ("" for the default).
// Returns NULL (not an error) when the libtorch in use has no such operator.
BG_EXPORT bg_op bg_op_find(const char* name, const char* overload);
// Writes the operator's schema as text into buf (NUL-terminated, truncated to cap); returns the
// full length.
BG_EXPORT int32_t bg_op_schema(bg_op op, char* buf, int32_t cap);
// All registered schemas, one per line, in a malloc'd buffer freed with bg_free.
BG_EXPORT char* bg_all_schemas(void);
// Calls the operator with nargs values (trailing arguments the caller left out are filled from
// schema defaults). Writes up to maxrets results; returns the number of results, or -1 on error.
// Tensor results are new handles; list results are malloc'd arrays released with bg_free.
BG_EXPORT int32_t bg_call(bg_op op, const bg_value* args, int32_t nargs, bg_value* rets, int32_t maxrets);
BG_EXPORT void bg_free(void* p);

// ---- tensors
// Copies host memory into a new contiguous tensor on the given device.
BG_EXPORT bg_tensor bg_tensor_from_host(const void* data, const int64_t* sizes, int32_t ndim, int32_t dtype,
                                        int32_t device_type, int32_t device_index);
// Wraps host memory without copying; deleter(ctx) runs when libtorch drops the storage.
BG_EXPORT bg_tensor bg_tensor_from_blob(void* data, const int64_t* sizes, int32_t ndim, int32_t dtype,
                                        void (*deleter)(void*), void* ctx);
// Copies a tensor's elements (any device, any layout) in C order into dst of nbytes.
BG_EXPORT int32_t bg_tensor_to_host(bg_tensor t, void* dst, int64_t nbytes);
// Pointer to a CPU contiguous tensor's first element (NULL with an error otherwise).
BG_EXPORT void* bg_tensor_data_ptr(bg_tensor t);
BG_EXPORT bg_tensor bg_tensor_alias(bg_tensor t);
// Swaps the data (storage, dtype, device) under an existing tensor object, as `param.data = x`
// does in PyTorch: every handle to t sees the new data, and autograd identity is kept.
BG_EXPORT int32_t bg_tensor_set_data(bg_tensor t, bg_tensor data);
BG_EXPORT void bg_tensor_free(bg_tensor t);
BG_EXPORT int32_t bg_tensor_defined(bg_tensor t);
BG_EXPORT int32_t bg_tensor_dim(bg_tensor t);
BG_EXPORT int32_t bg_tensor_sizes(bg_tensor t, int64_t* out, int32_t cap);
BG_EXPORT int32_t bg_tensor_strides(bg_tensor t, int64_t* out, int32_t cap);
BG_EXPORT int32_t bg_tensor_dtype(bg_tensor t);
BG_EXPORT int32_t bg_tensor_device(bg_tensor t, int32_t* index);
BG_EXPORT int32_t bg_tensor_is_contiguous(bg_tensor t);
BG_EXPORT int32_t bg_tensor_same(bg_tensor a, bg_tensor b);

// ---- autograd
BG_EXPORT int32_t bg_requires_grad(bg_tensor t);
BG_EXPORT int32_t bg_set_requires_grad(bg_tensor t, int32_t on);
BG_EXPORT int32_t bg_is_leaf(bg_tensor t);
BG_EXPORT bg_tensor bg_grad(bg_tensor t);  // NULL without error when there is no gradient
BG_EXPORT int32_t bg_set_grad(bg_tensor t, bg_tensor grad);  // grad NULL clears it
BG_EXPORT int32_t bg_retain_grad(bg_tensor t);
BG_EXPORT int32_t bg_backward(const bg_tensor* outputs, const bg_tensor* grads, int32_t n, int32_t retain_graph,
                              int32_t create_graph);
BG_EXPORT int32_t bg_autograd_grad(const bg_tensor* outputs, const bg_tensor* grad_outputs, int32_t nout,
                                   const bg_tensor* inputs, int32_t nin, bg_tensor* results, int32_t retain_graph,
                                   int32_t create_graph, int32_t allow_unused);
// Grad mode and inference mode are thread-local in libtorch.
BG_EXPORT int32_t bg_grad_enabled(void);
BG_EXPORT int32_t bg_set_grad_enabled(int32_t on);  // returns the previous state
BG_EXPORT void* bg_inference_mode_enter(void);
BG_EXPORT void bg_inference_mode_exit(void* guard);
// Autocast on one device type (CPU or CUDA), thread-local: enter turns it on with dtype and reports
// the state to restore; exit restores it (and clears the autocast cache when the outermost scope
// ends, as torch.autocast does).
BG_EXPORT int32_t bg_autocast_enter(int32_t device_type, int32_t dtype, int32_t* prev_enabled, int32_t* prev_dtype);
BG_EXPORT int32_t bg_autocast_exit(int32_t device_type, int32_t prev_enabled, int32_t prev_dtype);

// ---- random numbers
BG_EXPORT int32_t bg_manual_seed(uint64_t seed);
BG_EXPORT bg_generator bg_generator_new(int32_t device_type, int32_t device_index, uint64_t seed);
BG_EXPORT void bg_generator_free(bg_generator g);
BG_EXPORT uint64_t bg_generator_seed(bg_generator g);
BG_EXPORT bg_tensor bg_generator_get_state(bg_generator g);
BG_EXPORT int32_t bg_generator_set_state(bg_generator g, bg_tensor state);

// ---- runtime
BG_EXPORT int32_t bg_cuda_device_count(void);
BG_EXPORT int32_t bg_cuda_synchronize(int32_t device_index);
BG_EXPORT int32_t bg_get_num_threads(void);
BG_EXPORT int32_t bg_set_num_threads(int32_t n);
// Whether libtorch may use oneDNN (torch.backends.mkldnn.enabled); process-wide. set returns the
// previous state.
BG_EXPORT int32_t bg_mkldnn_enabled(void);
BG_EXPORT int32_t bg_set_mkldnn_enabled(int32_t on);
// How CPU bfloat16 convolutions and matmuls are routed, settled once before the first operator
// runs: 0 as libtorch decides; 1 oneDNN was turned off because libtorch would send bf16 work to a
// oneDNN that cannot run it (libtorch 1.13 with oneDNN capped below avx512_core, e.g. by
// DNNL_MAX_CPU_ISA=AVX2, on a CPU with AVX-512), so that work runs ATen's native kernels as on a
// CPU without AVX-512; 2 bf16 work fails either way (oneDNN left as it was).
BG_EXPORT int32_t bg_bf16_cpu_routing(void);

#ifdef __cplusplus
}
#endif
