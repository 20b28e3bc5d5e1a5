// braingen_torch: implementation of the C ABI declared in braingen_torch.h.
// Builds against libtorch 1.13 (Debian) and 2.x (PyTorch installs, CUDA): only APIs present in both
// are used, and the few that moved are selected by TORCH_VERSION_*.
#include "braingen_torch.h"

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/cuda.h>
#include <torch/utils.h>
#include <torch/version.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace {

thread_local std::string last_error;
std::atomic<int64_t> live_tensors{0};

bg_tensor wrap(at::Tensor t) {
  live_tensors.fetch_add(1, std::memory_order_relaxed);
  return new at::Tensor(std::move(t));
}

at::Tensor& unwrap(bg_tensor t) {
  if (t == nullptr) throw std::invalid_argument("null tensor handle");
  return *static_cast<at::Tensor*>(t);
}

template <typename T>
T* malloc_array(size_t n) {
  auto* p = static_cast<T*>(std::malloc(std::max<size_t>(n, 1) * sizeof(T)));
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

// Runs body; on a libtorch or C++ exception stores the message and returns fail instead.
// No exception may cross into .NET: that aborts the process.
template <typename R, typename F>
R guarded(R fail, F&& body) {
  try {
    last_error.clear();
    return body();
  } catch (const c10::Error& e) {
    last_error = e.what_without_backtrace();
  } catch (const std::exception& e) {
    last_error = e.what();
  } catch (...) {
    last_error = "unknown C++ exception";
  }
  return fail;
}

std::string arg_error(const c10::FunctionSchema& schema, const c10::Argument& arg, const std::string& what) {
  return schema.name() + (schema.overload_name().empty() ? "" : "." + schema.overload_name()) + ": argument '" +
         arg.name() + "' (" + arg.type()->str() + ") " + what;
}

// Builds the IValue for one argument from its bg_value, as the schema's (fake) type asks.
c10::IValue to_ivalue(const bg_value& v, const c10::TypePtr& type, const c10::FunctionSchema& schema,
                      const c10::Argument& arg) {
  using c10::TypeKind;
  if (type->kind() == TypeKind::OptionalType) {
    if (v.tag == BG_NONE || (v.tag == BG_TENSOR && v.p == nullptr)) return c10::IValue();
    return to_ivalue(v, type->castRaw<c10::OptionalType>()->getElementType(), schema, arg);
  }
  auto mismatch = [&]() { return std::invalid_argument(arg_error(schema, arg, "got value tag " + std::to_string(v.tag))); };
  switch (type->kind()) {
    case TypeKind::TensorType:
      if (v.tag != BG_TENSOR) throw mismatch();
      return v.p == nullptr ? c10::IValue(at::Tensor()) : c10::IValue(unwrap(v.p));
    case TypeKind::IntType:  // also ScalarType, Layout, MemoryFormat and SymInt
      if (v.tag != BG_INT) throw mismatch();
      return c10::IValue(v.i);
    case TypeKind::FloatType:
      if (v.tag == BG_DOUBLE) return c10::IValue(v.d);
      if (v.tag == BG_INT) return c10::IValue(static_cast<double>(v.i));
      throw mismatch();
    case TypeKind::BoolType:
      if (v.tag != BG_BOOL) throw mismatch();
      return c10::IValue(v.i != 0);
    case TypeKind::NumberType:  // Scalar
      if (v.tag == BG_INT) return c10::IValue(v.i);
      if (v.tag == BG_DOUBLE) return c10::IValue(v.d);
      if (v.tag == BG_BOOL) return c10::IValue(v.i != 0);
      throw mismatch();
    case TypeKind::StringType:
      if (v.tag != BG_STRING || v.p == nullptr) throw mismatch();
      return c10::IValue(std::string(static_cast<const char*>(v.p)));
    case TypeKind::DeviceObjType:
      if (v.tag != BG_DEVICE) throw mismatch();
      return c10::IValue(c10::Device(static_cast<c10::DeviceType>(v.i), static_cast<c10::DeviceIndex>(v.len)));
    case TypeKind::GeneratorType:
      if (v.tag != BG_GENERATOR || v.p == nullptr) throw mismatch();
      return c10::IValue(*static_cast<at::Generator*>(v.p));
    case TypeKind::ListType: {
      auto elem = type->castRaw<c10::ListType>()->getElementType();
      auto n = static_cast<size_t>(v.len);
      if (elem->kind() == TypeKind::IntType && v.tag == BG_INTS) {
        auto* p = static_cast<const int64_t*>(v.p);
        return c10::IValue(std::vector<int64_t>(p, p + n));
      }
      if (elem->kind() == TypeKind::FloatType && v.tag == BG_DOUBLES) {
        auto* p = static_cast<const double*>(v.p);
        return c10::IValue(std::vector<double>(p, p + n));
      }
      if (elem->kind() == TypeKind::BoolType && v.tag == BG_BOOLS) {
        auto* p = static_cast<const uint8_t*>(v.p);
        c10::List<bool> list;
        for (size_t k = 0; k < n; ++k) list.push_back(p[k] != 0);
        return c10::IValue(list);
      }
      if (elem->kind() == TypeKind::TensorType && v.tag == BG_TENSORS) {
        auto* p = static_cast<bg_tensor const*>(v.p);
        std::vector<at::Tensor> list;
        list.reserve(n);
        for (size_t k = 0; k < n; ++k) list.push_back(unwrap(p[k]));
        return c10::IValue(list);
      }
      if (elem->kind() == TypeKind::OptionalType && (v.tag == BG_OPT_TENSORS || v.tag == BG_TENSORS)) {
        auto* p = static_cast<bg_tensor const*>(v.p);
        c10::List<c10::optional<at::Tensor>> list;
        for (size_t k = 0; k < n; ++k)
          list.push_back(p[k] == nullptr ? c10::optional<at::Tensor>() : c10::optional<at::Tensor>(unwrap(p[k])));
        return c10::IValue(list);
      }
      throw mismatch();
    }
    default:
      throw std::invalid_argument(arg_error(schema, arg, "has a type BrainGen cannot pass"));
  }
}

void from_ivalue(const c10::IValue& iv, bg_value& out) {
  out = bg_value{};
  if (iv.isNone()) {
    out.tag = BG_NONE;
  } else if (iv.isTensor()) {
    out.tag = BG_TENSOR;
    const auto& t = iv.toTensor();
    out.p = t.defined() ? wrap(t) : nullptr;
  } else if (iv.isTensorList()) {
    auto list = iv.toTensorList();
    auto* arr = malloc_array<bg_tensor>(list.size());
    for (size_t k = 0; k < list.size(); ++k) arr[k] = wrap(list.get(k));
    out.tag = BG_TENSORS;
    out.len = static_cast<int32_t>(list.size());
    out.p = arr;
  } else if (iv.isInt()) {
    out.tag = BG_INT;
    out.i = iv.toInt();
  } else if (iv.isDouble()) {
    out.tag = BG_DOUBLE;
    out.d = iv.toDouble();
  } else if (iv.isBool()) {
    out.tag = BG_BOOL;
    out.i = iv.toBool() ? 1 : 0;
  } else if (iv.isIntList()) {
    auto list = iv.toIntVector();
    auto* arr = malloc_array<int64_t>(list.size());
    std::copy(list.begin(), list.end(), arr);
    out.tag = BG_INTS;
    out.len = static_cast<int32_t>(list.size());
    out.p = arr;
  } else if (iv.isDoubleList()) {
    auto list = iv.toDoubleVector();
    auto* arr = malloc_array<double>(list.size());
    std::copy(list.begin(), list.end(), arr);
    out.tag = BG_DOUBLES;
    out.len = static_cast<int32_t>(list.size());
    out.p = arr;
  } else {
    throw std::invalid_argument(std::string("unsupported return value of kind ") + iv.tagKind());
  }
}

c10::Device device_of(int32_t type, int32_t index) {
  return c10::Device(static_cast<c10::DeviceType>(type), static_cast<c10::DeviceIndex>(index));
}

at::TensorOptions options_of(int32_t dtype) {
  return at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype));
}

// libtorch 1.13 sends CPU bfloat16 convolutions (any size) and bf16 matmuls of 16^3 and more to
// oneDNN whenever CPUID reports AVX-512 BW/VL/DQ (mkldnn_bf16_device_check); it never asks oneDNN,
// which has no bf16 kernels below avx512_core. A oneDNN capped lower (DNNL_MAX_CPU_ISA=AVX2, the way
// to try a lesser CPU on this one) then fails all such work with "could not create a primitive
// descriptor iterator". On a CPU that really lacks AVX-512, libtorch runs that work on ATen's native
// kernels; turning oneDNN off does the same here. 2.x asks oneDNN (ideep::has_bf16_type_support),
// so the probe below finds nothing to do there.
bool bf16_cpu_work_runs(std::string& error) {
  try {
    c10::InferenceMode no_autograd;
    auto image = at::ones({1, 1, 3, 3}, at::kBFloat16);
    at::conv2d(image, image);
    auto matrix = at::ones({32, 32}, at::kBFloat16);
    at::mm(matrix, matrix);
    return true;
  } catch (const c10::Error& e) {
    error = e.what_without_backtrace();
  } catch (const std::exception& e) {
    error = e.what();
  }
  return false;
}

int32_t settle_bf16_cpu_routing() {
  std::string error, again;
  if (bf16_cpu_work_runs(error)) return 0;
  auto& context = at::globalContext();
  if (!context.userEnabledMkldnn()) return 2;
  context.setUserEnabledMkldnn(false);
  if (bf16_cpu_work_runs(again)) {
    std::fprintf(stderr,
                 "braingen: oneDNN cannot run bfloat16 here (%s), yet libtorch %s sends CPU bfloat16 work to it on this "
                 "CPU; oneDNN is off, so convolutions run ATen's native kernels as on a CPU without AVX-512\n",
                 error.substr(0, error.find('\n')).c_str(), TORCH_VERSION);
    return 1;
  }
  context.setUserEnabledMkldnn(true);
  return 2;
}

// Settled once, before the first operator runs (a magic static: thread-safe, checked per call).
int32_t bf16_cpu_routing() {
  static const int32_t routing = settle_bf16_cpu_routing();
  return routing;
}

}  // namespace

extern "C" {

const char* bg_last_error(void) { return last_error.c_str(); }
const char* bg_torch_version(void) { return TORCH_VERSION; }
int64_t bg_live_tensors(void) { return live_tensors.load(std::memory_order_relaxed); }
void bg_free(void* p) { std::free(p); }

// ---- operators

bg_op bg_op_find(const char* name, const char* overload) {
  return guarded<bg_op>(nullptr, [&]() -> bg_op {
    auto handle = c10::Dispatcher::singleton().findSchema(c10::OperatorName(name, overload));
    if (!handle.has_value()) return nullptr;
    return new c10::OperatorHandle(*handle);  // valid for the process lifetime; cached by C#
  });
}

int32_t bg_op_schema(bg_op op, char* buf, int32_t cap) {
  return guarded<int32_t>(-1, [&]() {
    std::ostringstream s;
    s << static_cast<c10::OperatorHandle*>(op)->schema();
    auto text = s.str();
    if (cap > 0) {
      auto n = std::min<size_t>(text.size(), static_cast<size_t>(cap - 1));
      std::memcpy(buf, text.data(), n);
      buf[n] = '\0';
    }
    return static_cast<int32_t>(text.size());
  });
}

char* bg_all_schemas(void) {
  return guarded<char*>(nullptr, [&]() {
    std::ostringstream s;
    for (const auto& name : c10::Dispatcher::singleton().getAllOpNames()) {
      auto handle = c10::Dispatcher::singleton().findSchema(name);
      if (handle.has_value() && handle->hasSchema()) s << handle->schema() << '\n';
    }
    auto text = s.str();
    auto* out = malloc_array<char>(text.size() + 1);
    std::memcpy(out, text.c_str(), text.size() + 1);
    return out;
  });
}

int32_t bg_call(bg_op op, const bg_value* args, int32_t nargs, bg_value* rets, int32_t maxrets) {
  return guarded<int32_t>(-1, [&]() {
    bf16_cpu_routing();
    const auto& handle = *static_cast<c10::OperatorHandle*>(op);
    const auto& schema = handle.schema();
    const auto& params = schema.arguments();
    if (nargs > static_cast<int32_t>(params.size()))
      throw std::invalid_argument(schema.name() + ": " + std::to_string(nargs) + " arguments given, schema takes " +
                                  std::to_string(params.size()));
    // Exactly one value per schema argument: fewer reads past the stack inside the kernel.
    torch::jit::Stack stack;
    stack.reserve(std::max(params.size(), schema.returns().size()));
    for (size_t k = 0; k < params.size(); ++k) {
      const auto& arg = params[k];
      if (static_cast<int32_t>(k) >= nargs || args[k].tag == BG_DEFAULT) {
        if (!arg.default_value().has_value()) throw std::invalid_argument(arg_error(schema, arg, "is required"));
        stack.push_back(*arg.default_value());
      } else {
        stack.push_back(to_ivalue(args[k], arg.type(), schema, arg));
      }
    }
    handle.callBoxed(stack);
    if (static_cast<int32_t>(stack.size()) > maxrets)
      throw std::invalid_argument(schema.name() + " returned " + std::to_string(stack.size()) + " values, room for " +
                                  std::to_string(maxrets));
    int32_t done = 0;
    try {
      for (; done < static_cast<int32_t>(stack.size()); ++done) from_ivalue(stack[done], rets[done]);
    } catch (...) {
      for (int32_t k = 0; k < done; ++k) {  // release what was already handed out
        if (rets[k].tag == BG_TENSOR && rets[k].p) bg_tensor_free(rets[k].p);
        if (rets[k].tag == BG_TENSORS) {
          for (int32_t j = 0; j < rets[k].len; ++j) bg_tensor_free(static_cast<bg_tensor*>(rets[k].p)[j]);
        }
        if (rets[k].tag >= BG_INTS && rets[k].p) std::free(rets[k].p);
      }
      throw;
    }
    return static_cast<int32_t>(stack.size());
  });
}

// ---- tensors

bg_tensor bg_tensor_from_host(const void* data, const int64_t* sizes, int32_t ndim, int32_t dtype,
                              int32_t device_type, int32_t device_index) {
  return guarded<bg_tensor>(nullptr, [&]() {
    auto t = at::empty(at::IntArrayRef(sizes, ndim), options_of(dtype));
    if (t.nbytes() > 0) std::memcpy(t.data_ptr(), data, t.nbytes());
    auto device = device_of(device_type, device_index);
    return wrap(device.is_cpu() ? t : t.to(device));
  });
}

bg_tensor bg_tensor_from_blob(void* data, const int64_t* sizes, int32_t ndim, int32_t dtype, void (*deleter)(void*),
                              void* ctx) {
  return guarded<bg_tensor>(nullptr, [&]() {
    return wrap(at::from_blob(data, at::IntArrayRef(sizes, ndim), [deleter, ctx](void*) { deleter(ctx); },
                              options_of(dtype)));
  });
}

int32_t bg_tensor_to_host(bg_tensor t, void* dst, int64_t nbytes) {
  return guarded<int32_t>(-1, [&]() {
    auto host = unwrap(t).detach().to(at::kCPU).contiguous();
    if (static_cast<int64_t>(host.nbytes()) != nbytes)
      throw std::invalid_argument("tensor holds " + std::to_string(host.nbytes()) + " bytes, destination " +
                                  std::to_string(nbytes));
    if (nbytes > 0) std::memcpy(dst, host.data_ptr(), static_cast<size_t>(nbytes));
    return 0;
  });
}

void* bg_tensor_data_ptr(bg_tensor t) {
  return guarded<void*>(nullptr, [&]() -> void* {
    auto& x = unwrap(t);
    if (!x.device().is_cpu() || !x.is_contiguous())
      throw std::invalid_argument("data_ptr needs a contiguous CPU tensor");
    return x.data_ptr();
  });
}

bg_tensor bg_tensor_alias(bg_tensor t) {
  return guarded<bg_tensor>(nullptr, [&]() { return wrap(unwrap(t)); });
}

int32_t bg_tensor_set_data(bg_tensor t, bg_tensor data) {
  return guarded<int32_t>(-1, [&]() {
    unwrap(t).set_data(unwrap(data));
    return 0;
  });
}

void bg_tensor_free(bg_tensor t) {
  if (t == nullptr) return;
  delete static_cast<at::Tensor*>(t);
  live_tensors.fetch_sub(1, std::memory_order_relaxed);
}

int32_t bg_tensor_defined(bg_tensor t) { return t != nullptr && unwrap(t).defined() ? 1 : 0; }

int32_t bg_tensor_dim(bg_tensor t) {
  return guarded<int32_t>(-1, [&]() { return static_cast<int32_t>(unwrap(t).dim()); });
}

int32_t bg_tensor_sizes(bg_tensor t, int64_t* out, int32_t cap) {
  return guarded<int32_t>(-1, [&]() {
    auto s = unwrap(t).sizes();
    for (size_t k = 0; k < s.size() && static_cast<int32_t>(k) < cap; ++k) out[k] = s[k];
    return static_cast<int32_t>(s.size());
  });
}

int32_t bg_tensor_strides(bg_tensor t, int64_t* out, int32_t cap) {
  return guarded<int32_t>(-1, [&]() {
    auto s = unwrap(t).strides();
    for (size_t k = 0; k < s.size() && static_cast<int32_t>(k) < cap; ++k) out[k] = s[k];
    return static_cast<int32_t>(s.size());
  });
}

int32_t bg_tensor_dtype(bg_tensor t) {
  return guarded<int32_t>(-1, [&]() { return static_cast<int32_t>(unwrap(t).scalar_type()); });
}

int32_t bg_tensor_device(bg_tensor t, int32_t* index) {
  return guarded<int32_t>(-1, [&]() {
    auto d = unwrap(t).device();
    *index = d.index();
    return static_cast<int32_t>(d.type());
  });
}

int32_t bg_tensor_is_contiguous(bg_tensor t) {
  return guarded<int32_t>(-1, [&]() { return unwrap(t).is_contiguous() ? 1 : 0; });
}

int32_t bg_tensor_same(bg_tensor a, bg_tensor b) {
  return guarded<int32_t>(-1, [&]() { return unwrap(a).is_same(unwrap(b)) ? 1 : 0; });
}

// ---- autograd

int32_t bg_requires_grad(bg_tensor t) {
  return guarded<int32_t>(-1, [&]() { return unwrap(t).requires_grad() ? 1 : 0; });
}

int32_t bg_set_requires_grad(bg_tensor t, int32_t on) {
  return guarded<int32_t>(-1, [&]() {
    auto& tensor = unwrap(t);
    // As torch.Tensor.requires_grad's setter: a non-leaf's flag comes from its graph, and
    // at::Tensor::set_requires_grad would otherwise accept the change and silently ignore it.
    TORCH_CHECK(tensor.is_leaf(), "you can only change requires_grad flags of leaf variables.",
                on != 0 ? "" : " If you want to use a computed variable in a subgraph that doesn't require differentiation use "
                               "var_no_grad = var.detach().");
    tensor.set_requires_grad(on != 0);
    return 0;
  });
}

int32_t bg_is_leaf(bg_tensor t) {
  return guarded<int32_t>(-1, [&]() { return unwrap(t).is_leaf() ? 1 : 0; });
}

bg_tensor bg_grad(bg_tensor t) {
  return guarded<bg_tensor>(nullptr, [&]() -> bg_tensor {
    const auto& g = unwrap(t).grad();
    return g.defined() ? wrap(g) : nullptr;
  });
}

int32_t bg_set_grad(bg_tensor t, bg_tensor grad) {
  return guarded<int32_t>(-1, [&]() {
    unwrap(t).mutable_grad() = grad == nullptr ? at::Tensor() : unwrap(grad);
    return 0;
  });
}

int32_t bg_retain_grad(bg_tensor t) {
  return guarded<int32_t>(-1, [&]() {
    unwrap(t).retain_grad();
    return 0;
  });
}

static std::vector<at::Tensor> tensor_list(const bg_tensor* handles, int32_t n, bool allow_null) {
  std::vector<at::Tensor> list;
  list.reserve(static_cast<size_t>(n));
  for (int32_t k = 0; k < n; ++k) {
    if (handles != nullptr && handles[k] != nullptr) list.push_back(unwrap(handles[k]));
    else if (allow_null) list.emplace_back();
    else throw std::invalid_argument("null tensor in list");
  }
  return list;
}

int32_t bg_backward(const bg_tensor* outputs, const bg_tensor* grads, int32_t n, int32_t retain_graph,
                    int32_t create_graph) {
  return guarded<int32_t>(-1, [&]() {
    auto outs = tensor_list(outputs, n, false);
    auto gs = grads == nullptr ? std::vector<at::Tensor>() : tensor_list(grads, n, true);
    torch::autograd::backward(outs, gs, c10::optional<bool>(retain_graph != 0), create_graph != 0);
    return 0;
  });
}

int32_t bg_autograd_grad(const bg_tensor* outputs, const bg_tensor* grad_outputs, int32_t nout,
                         const bg_tensor* inputs, int32_t nin, bg_tensor* results, int32_t retain_graph,
                         int32_t create_graph, int32_t allow_unused) {
  return guarded<int32_t>(-1, [&]() {
    auto outs = tensor_list(outputs, nout, false);
    auto gouts = grad_outputs == nullptr ? std::vector<at::Tensor>() : tensor_list(grad_outputs, nout, true);
    auto ins = tensor_list(inputs, nin, false);
    auto grads = torch::autograd::grad(outs, ins, gouts, c10::optional<bool>(retain_graph != 0), create_graph != 0,
                                       allow_unused != 0);
    for (int32_t k = 0; k < nin; ++k) results[k] = grads[k].defined() ? wrap(grads[k]) : nullptr;
    return 0;
  });
}

int32_t bg_grad_enabled(void) { return c10::GradMode::is_enabled() ? 1 : 0; }

int32_t bg_set_grad_enabled(int32_t on) {
  bool previous = c10::GradMode::is_enabled();
  c10::GradMode::set_enabled(on != 0);
  return previous ? 1 : 0;
}

void* bg_inference_mode_enter(void) {
  return guarded<void*>(nullptr, [&]() -> void* { return new c10::InferenceMode(true); });
}

void bg_inference_mode_exit(void* guard) { delete static_cast<c10::InferenceMode*>(guard); }

// torch.autocast's per-device state. 2.4 made it one set of functions taking the device type; 1.13
// has one function per device (is_enabled / *_gpu_dtype are CUDA's).
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
static bool autocast_enabled(at::DeviceType d) { return at::autocast::is_autocast_enabled(d); }
static void autocast_set(at::DeviceType d, bool on) { at::autocast::set_autocast_enabled(d, on); }
static at::ScalarType autocast_dtype(at::DeviceType d) { return at::autocast::get_autocast_dtype(d); }
static void autocast_set_dtype(at::DeviceType d, at::ScalarType t) { at::autocast::set_autocast_dtype(d, t); }
#else
static bool autocast_enabled(at::DeviceType d) {
  return d == at::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
}
static void autocast_set(at::DeviceType d, bool on) {
  if (d == at::kCUDA) at::autocast::set_enabled(on);
  else at::autocast::set_cpu_enabled(on);
}
static at::ScalarType autocast_dtype(at::DeviceType d) {
  return d == at::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
static void autocast_set_dtype(at::DeviceType d, at::ScalarType t) {
  if (d == at::kCUDA) at::autocast::set_autocast_gpu_dtype(t);
  else at::autocast::set_autocast_cpu_dtype(t);
}
#endif

static at::DeviceType autocast_device(int32_t device_type) {
  auto d = static_cast<at::DeviceType>(device_type);
  if (d != at::kCPU && d != at::kCUDA) throw std::invalid_argument("autocast: device type " + std::to_string(device_type) + " is neither CPU nor CUDA");
  return d;
}

int32_t bg_autocast_enter(int32_t device_type, int32_t dtype, int32_t* prev_enabled, int32_t* prev_dtype) {
  return guarded<int32_t>(-1, [&]() {
    auto d = autocast_device(device_type);
    *prev_enabled = autocast_enabled(d) ? 1 : 0;
    *prev_dtype = static_cast<int32_t>(autocast_dtype(d));
    autocast_set(d, true);
    autocast_set_dtype(d, static_cast<at::ScalarType>(dtype));
    at::autocast::increment_nesting();
    return 0;
  });
}

int32_t bg_autocast_exit(int32_t device_type, int32_t prev_enabled, int32_t prev_dtype) {
  return guarded<int32_t>(-1, [&]() {
    auto d = autocast_device(device_type);
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    autocast_set(d, prev_enabled != 0);
    autocast_set_dtype(d, static_cast<at::ScalarType>(prev_dtype));
    return 0;
  });
}

// ---- random numbers

int32_t bg_manual_seed(uint64_t seed) {
  return guarded<int32_t>(-1, [&]() {
    torch::manual_seed(seed);
    return 0;
  });
}

bg_generator bg_generator_new(int32_t device_type, int32_t device_index, uint64_t seed) {
  return guarded<bg_generator>(nullptr, [&]() {
    // A clone of the device's default generator, reseeded: the same engine torch.manual_seed
    // seeds, so the same seed gives PyTorch's numbers.
    auto g = at::globalContext().defaultGenerator(device_of(device_type, device_index)).clone();
    {
      std::lock_guard<std::mutex> lock(g.mutex());
      g.set_current_seed(seed);
    }
    return new at::Generator(std::move(g));
  });
}

void bg_generator_free(bg_generator g) { delete static_cast<at::Generator*>(g); }

uint64_t bg_generator_seed(bg_generator g) { return static_cast<at::Generator*>(g)->current_seed(); }

bg_tensor bg_generator_get_state(bg_generator g) {
  return guarded<bg_tensor>(nullptr, [&]() {
    auto* gen = static_cast<at::Generator*>(g);
    std::lock_guard<std::mutex> lock(gen->mutex());
    return wrap(gen->get_state());
  });
}

int32_t bg_generator_set_state(bg_generator g, bg_tensor state) {
  return guarded<int32_t>(-1, [&]() {
    auto* gen = static_cast<at::Generator*>(g);
    std::lock_guard<std::mutex> lock(gen->mutex());
    gen->set_state(unwrap(state));
    return 0;
  });
}

// ---- runtime

int32_t bg_cuda_device_count(void) {
  return guarded<int32_t>(-1, [&]() { return static_cast<int32_t>(torch::cuda::device_count()); });
}

int32_t bg_cuda_synchronize(int32_t device_index) {
  return guarded<int32_t>(-1, [&]() {
    torch::cuda::synchronize(device_index);
    return 0;
  });
}

int32_t bg_get_num_threads(void) { return at::get_num_threads(); }

int32_t bg_set_num_threads(int32_t n) {
  return guarded<int32_t>(-1, [&]() {
    at::set_num_threads(n);
    return 0;
  });
}

int32_t bg_mkldnn_enabled(void) { return at::globalContext().userEnabledMkldnn() ? 1 : 0; }

int32_t bg_set_mkldnn_enabled(int32_t on) {
  bool previous = at::globalContext().userEnabledMkldnn();
  at::globalContext().setUserEnabledMkldnn(on != 0);
  return previous ? 1 : 0;
}

int32_t bg_bf16_cpu_routing(void) { return bf16_cpu_routing(); }

}  // extern "C"
