// OnnxModel: validation, session set-up with execution providers, and
// batched inference over feature rows.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <utility>

#include "../platform/file.hpp"
#include "onnx_check.hpp"
#include "ort_runtime.hpp"
#include "pyvmaf_tiny/dnn.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/registry.hpp"
#include "sha256.hpp"

namespace pvt {

using ort::Runtime;
namespace slot = ort::slot;
namespace fn = ort::fn;

namespace {

// Owning handle for an ORT object released by the given table entry.
template <class T, int ReleaseSlot>
class Owned {
 public:
  Owned() = default;
  explicit Owned(T* p) : p_(p) {}
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  Owned(Owned&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  Owned& operator=(Owned&& o) noexcept {
    reset(std::exchange(o.p_, nullptr));
    return *this;
  }
  ~Owned() { reset(); }
  void reset(T* p = nullptr) {
    if (p_) Runtime::get().fn<fn::Release<T>>(ReleaseSlot)(p_);
    p_ = p;
  }
  T* get() const { return p_; }
  T** out() {
    reset();
    return &p_;
  }

 private:
  T* p_ = nullptr;
};

using SessionOptionsPtr = Owned<ort::SessionOptions, slot::ReleaseSessionOptions>;
using SessionPtr = Owned<ort::Session, slot::ReleaseSession>;
using ValuePtr = Owned<ort::Value, slot::ReleaseValue>;
using TypeInfoPtr = Owned<ort::TypeInfo, slot::ReleaseTypeInfo>;
using ShapePtr = Owned<ort::TensorTypeAndShapeInfo, slot::ReleaseTensorTypeAndShapeInfo>;
using MemoryInfoPtr = Owned<ort::MemoryInfo, slot::ReleaseMemoryInfo>;
using CudaOptionsPtr = Owned<ort::CudaProviderOptionsV2, slot::ReleaseCudaProviderOptions>;

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// Appends the provider; returns "" on success, else why it is unavailable.
std::string try_provider(const Runtime& rt, ort::SessionOptions* opts, const std::string& device) {
  if (device == "cuda") {
    CudaOptionsPtr cuda;
    if (std::string m = rt.message(rt.fn<fn::CreateCudaProviderOptions>(slot::CreateCudaProviderOptions)(cuda.out()));
        !m.empty())
      return m;
    return rt.message(rt.fn<fn::AppendExecutionProviderCudaV2>(slot::AppendExecutionProviderCudaV2)(opts, cuda.get()));
  }
  if (device == "openvino") {
    // FP32 pinned: OpenVINO may otherwise pick bf16 on CPUs that have it.
    const char* keys[] = {"device_type", "precision"};
    const char* values[] = {"CPU", "FP32"};
    return rt.message(rt.fn<fn::AppendExecutionProviderOpenVinoV2>(slot::AppendExecutionProviderOpenVinoV2)(
        opts, keys, values, 2));
  }
  return "";
}

// The options of every session: one thread (our pipeline owns the threads),
// sequential, and basic graph optimisation (see kGraphOptimization).
SessionOptionsPtr session_options(const Runtime& rt) {
  SessionOptionsPtr opts;
  rt.check(rt.fn<fn::CreateSessionOptions>(slot::CreateSessionOptions)(opts.out()), "session options");
  rt.check(rt.fn<fn::SetNumThreads>(slot::SetIntraOpNumThreads)(opts.get(), 1), "session options");
  rt.check(rt.fn<fn::SetNumThreads>(slot::SetInterOpNumThreads)(opts.get(), 1), "session options");
  rt.check(rt.fn<fn::SetSessionExecutionMode>(slot::SetSessionExecutionMode)(opts.get(), ort::kSequential),
           "session options");
  rt.check(rt.fn<fn::SetSessionGraphOptimizationLevel>(slot::SetSessionGraphOptimizationLevel)(
               opts.get(), static_cast<ort::GraphOptimizationLevel>(dnn::kGraphOptimization)),
           "session options");
  rt.route_logging(opts.get());
  rt.check(rt.fn<fn::AddSessionConfigEntry>(slot::AddSessionConfigEntry)(opts.get(), "session.intra_op.allow_spinning",
                                                                         "0"),
           "session options");
  return opts;
}

std::string session_name(const Runtime& rt, ort::Session* s, std::size_t i, bool input) {
  ort::Allocator* alloc = nullptr;
  rt.check(rt.fn<fn::GetAllocatorWithDefaultOptions>(slot::GetAllocatorWithDefaultOptions)(&alloc), "allocator");
  char* name = nullptr;
  const int which = input ? slot::SessionGetInputName : slot::SessionGetOutputName;
  rt.check(rt.fn<fn::SessionGetName>(which)(s, i, alloc, &name), "reading a graph name");
  std::string out = name ? name : "";
  rt.check(rt.fn<fn::AllocatorFree>(slot::AllocatorFree)(alloc, name), "freeing a graph name");
  return out;
}

// Element type and dimensions of a session input or output.
std::pair<int, std::vector<std::int64_t>> session_tensor(const Runtime& rt, ort::Session* s, std::size_t i,
                                                         bool input) {
  TypeInfoPtr info;
  const int which = input ? slot::SessionGetInputTypeInfo : slot::SessionGetOutputTypeInfo;
  rt.check(rt.fn<fn::SessionGetTypeInfo>(which)(s, i, info.out()), "reading graph types");
  ort::OnnxType kind{};
  rt.check(rt.fn<fn::GetOnnxTypeFromTypeInfo>(slot::GetOnnxTypeFromTypeInfo)(info.get(), &kind), "reading graph types");
  if (kind != ort::kTensor) return {0, {}};
  const ort::TensorTypeAndShapeInfo* tensor = nullptr;  // borrowed from `info`
  rt.check(rt.fn<fn::CastTypeInfoToTensorInfo>(slot::CastTypeInfoToTensorInfo)(info.get(), &tensor),
           "reading graph types");
  ort::ElementType type{};
  rt.check(rt.fn<fn::GetTensorElementType>(slot::GetTensorElementType)(tensor, &type), "reading graph types");
  std::size_t rank = 0;
  rt.check(rt.fn<fn::GetDimensionsCount>(slot::GetDimensionsCount)(tensor, &rank), "reading graph types");
  std::vector<std::int64_t> dims(rank);
  rt.check(rt.fn<fn::GetDimensions>(slot::GetDimensions)(tensor, dims.data(), rank), "reading graph types");
  return {static_cast<int>(type), dims};
}

}  // namespace

struct OnnxModel::Handles {
  SessionPtr session;
  MemoryInfoPtr memory;
};

std::shared_ptr<OnnxModel> OnnxModel::load(const std::string& sidecar_path, const DnnOptions& options) {
  using platform::FileError;
  const std::string text = platform::read_regular_file(sidecar_path, "sidecar", kMaxSidecarBytes, FileError::model);
  const Sidecar side = parse_sidecar(text, sidecar_path);
  const auto slash = sidecar_path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "" : sidecar_path.substr(0, slash + 1);
  const std::string onnx = platform::read_regular_file(dir + side.onnx, "model", dnn::kMaxModelBytes, FileError::model);
  return from_sidecar(side, onnx, dir + side.onnx, options);
}

std::shared_ptr<OnnxModel> OnnxModel::from_memory(std::string_view sidecar_text, std::string_view onnx_bytes,
                                                  const std::string& origin, const DnnOptions& options) {
  return from_sidecar(parse_sidecar(sidecar_text, origin), onnx_bytes, origin, options);
}

std::shared_ptr<OnnxModel> OnnxModel::from_sidecar(const Sidecar& sidecar, std::string_view onnx_bytes,
                                                   const std::string& origin, const DnnOptions& options) {
  std::shared_ptr<OnnxModel> m(new OnnxModel());
  m->origin_ = origin;
  m->sidecar_ = sidecar;
  const Sidecar& s = m->sidecar_;
  std::size_t passes = 0;
  try {
    passes = specs_for_features(s.features).size();
  } catch (const InputError& e) {
    throw ModelError("sidecar " + origin + ": " + e.what());
  }
  // Each distinct extractor configuration is a pass over every frame: a few
  // name any real model's features (fr_micro_v2: three).
  if (passes > dnn::kMaxExtractorPasses)
    throw ModelError("sidecar " + origin + ": its features need " + std::to_string(passes) +
                     " extractor configurations; a model may need at most " +
                     std::to_string(dnn::kMaxExtractorPasses));

  // Everything about the file is checked before ONNX Runtime sees it.
  // The message names no property of the file beyond the mismatch itself.
  if (dnn::sha256_hex(onnx_bytes) != s.sha256)
    throw ModelError("model " + origin + ": its sha256 differs from the one its sidecar lists");
  const dnn::OnnxSummary summary = dnn::check_onnx(onnx_bytes, origin);
  if (summary.opset != s.opset)
    throw ModelError("model " + origin + ": opset " + std::to_string(summary.opset) + ", the sidecar says " +
                     std::to_string(s.opset));
  dnn::check_io(summary, s.input_name, s.features.size(), s.output_name, origin);
  if (!s.interval_scale_output.empty())
    dnn::check_io(summary, s.input_name, s.features.size(), s.interval_scale_output, origin);

  const std::string& device = options.device;
  if (device != "cpu" && device != "cuda" && device != "openvino" && device != "auto")
    throw InputError("device '" + device + "': use cpu, cuda, openvino or auto");

  const Runtime& rt = Runtime::get();
  const std::vector<std::string> available = rt.providers();
  m->h_ = std::make_unique<Handles>();
  std::optional<std::string> narrowed;  // the float32 twin, made when OpenVINO is tried
  // "" when a session on `ep` exists; otherwise why not, and whether the
  // provider itself is missing (as opposed to refusing part of the graph).
  auto open_on = [&](const std::string& ep, bool& missing) -> std::string {
    SessionOptionsPtr opts = session_options(rt);
    missing = false;
    std::string_view bytes = onnx_bytes;
    if (ep == "openvino") {
      // OpenVINO has no float64 kernels and would leave a float64 graph to
      // the CPU provider: it gets the graph's float32 twin (when there is
      // one), and must take every node, or the session is not made.
      if (!narrowed) narrowed = dnn::narrow_float64(onnx_bytes, origin).value_or(std::string(onnx_bytes));
      bytes = *narrowed;
      rt.check(rt.fn<fn::AddSessionConfigEntry>(slot::AddSessionConfigEntry)(opts.get(),
                                                                             "session.disable_cpu_ep_fallback", "1"),
               "session options");
    }
    if (ep != "cpu") {
      if (std::string why = try_provider(rt, opts.get(), ep); !why.empty()) {
        missing = true;
        return why;
      }
    }
    const std::string why = rt.message(rt.fn<fn::CreateSessionFromArray>(slot::CreateSessionFromArray)(
        rt.env(), bytes.data(), bytes.size(), opts.get(), m->h_->session.out()));
    if (!why.empty() && ep == "cpu") throw ModelError("model " + origin + ": ONNX Runtime rejected it: " + why);
    return why;
  };
  auto open_on_cpu = [&](const std::string& reason) {
    bool missing = false;
    open_on("cpu", missing);
    m->backend_ = reason.empty() ? "cpu" : "cpu (" + reason + ")";
  };

  if (device == "cpu") {
    open_on_cpu("");
  } else if (device == "auto") {
    std::string notes;
    for (const std::string candidate : {"cuda", "openvino"}) {
      const std::string ep = candidate == "cuda" ? "CUDAExecutionProvider" : "OpenVINOExecutionProvider";
      if (!has(available, ep)) {
        notes += (notes.empty() ? "" : ", ") + candidate + " not in onnxruntime " + rt.version();
        continue;
      }
      bool missing = false;
      const std::string why = open_on(candidate, missing);
      if (why.empty()) {
        m->backend_ = candidate;
        break;
      }
      notes += (notes.empty() ? "" : ", ") + candidate + (missing ? " failed: " : " refused the graph: ") + why;
    }
    if (m->backend_.empty()) open_on_cpu("auto: " + notes);
  } else {
    bool missing = false;
    const std::string why = open_on(device, missing);
    if (missing) {
      std::string list;
      for (const auto& p : available) list += (list.empty() ? "" : ", ") + p;
      throw BackendUnavailable("execution provider '" + device + "' is unavailable in onnxruntime " + rt.version() +
                               " (" + rt.path() + "; has " + list + "): " + why);
    }
    if (why.empty()) m->backend_ = device;
    else open_on_cpu(device + " refused the graph: " + why);
  }

  // The session must agree with what the file said.
  ort::Session* sess = m->h_->session.get();
  std::size_t n_in = 0, n_out = 0;
  rt.check(rt.fn<fn::SessionGetCount>(slot::SessionGetInputCount)(sess, &n_in), "reading graph inputs");
  rt.check(rt.fn<fn::SessionGetCount>(slot::SessionGetOutputCount)(sess, &n_out), "reading graph outputs");
  if (n_in != 1 || session_name(rt, sess, 0, true) != s.input_name)
    throw ModelError("model " + origin + ": the session's inputs differ from the sidecar");
  const auto [in_type, in_dims] = session_tensor(rt, sess, 0, true);
  if (in_type != ort::kFloat || in_dims.size() != 2 || in_dims[1] != static_cast<std::int64_t>(s.features.size()))
    throw ModelError("model " + origin + ": the session's input is not float32 [N, " +
                     std::to_string(s.features.size()) + "]");
  std::vector<std::string> wanted = {s.output_name};
  if (!s.interval_scale_output.empty()) wanted.push_back(s.interval_scale_output);
  for (const std::string& name : wanted) {
    bool found = false;
    for (std::size_t i = 0; i < n_out && !found; ++i) {
      if (session_name(rt, sess, i, false) != name) continue;
      const auto [out_type, out_dims] = session_tensor(rt, sess, i, false);
      if (out_type != ort::kFloat) throw ModelError("model " + origin + ": output '" + name + "' is not float32");
      found = true;
    }
    if (!found) throw ModelError("model " + origin + ": the session has no output '" + name + "'");
  }

  rt.check(rt.fn<fn::CreateCpuMemoryInfo>(slot::CreateCpuMemoryInfo)(ort::kArenaAllocator, ort::kMemTypeDefault,
                                                                      m->h_->memory.out()),
           "memory info");
  return m;
}

OnnxModel::~OnnxModel() = default;

std::vector<ExtractorSpec> OnnxModel::extractor_specs() const { return specs_for_features(sidecar_.features); }

void OnnxModel::predict(const double* x, std::size_t frames, double* out) const {
  // Power-of-two batches up to dnn::kMaxBatch: the sizes check_onnx() inferred shapes for.
  const std::size_t f = sidecar_.features.size();
  std::size_t done = 0;
  while (done < frames) {
    std::size_t n = static_cast<std::size_t>(dnn::kMaxBatch);
    while (n > frames - done) n >>= 1;
    run_batch(x + done * f, n, done, out + done);
    done += n;
  }
}

void OnnxModel::run_batch(const double* x, std::size_t frames, std::size_t first_row, double* out) const {
  run_outputs(x, frames, {sidecar_.output_name}, {out});
  for (std::size_t i = 0; i < frames; ++i)
    out[i] = std::clamp(require_finite_score(out[i], origin_, first_row + i), sidecar_.range_lo, sidecar_.range_hi);
}

void OnnxModel::predict_interval(const double* x, std::size_t frames, double* lo, double* hi) const {
  if (!has_interval()) throw ModelError("model " + origin_ + ": its sidecar gives no interval");
  const std::size_t f = sidecar_.features.size();
  const bool per_frame = !sidecar_.interval_scale_output.empty();
  std::vector<double> score(frames), scale(per_frame ? frames : 0);
  std::size_t done = 0;
  while (done < frames) {
    std::size_t n = static_cast<std::size_t>(dnn::kMaxBatch);
    while (n > frames - done) n >>= 1;
    if (per_frame)
      run_outputs(x + done * f, n, {sidecar_.output_name, sidecar_.interval_scale_output},
                  {score.data() + done, scale.data() + done});
    else
      run_outputs(x + done * f, n, {sidecar_.output_name}, {score.data() + done});
    done += n;
  }
  for (std::size_t i = 0; i < frames; ++i) {
    const double y = std::clamp(require_finite_score(score[i], origin_, i), sidecar_.range_lo, sidecar_.range_hi);
    double half = 0.0;
    if (per_frame) {
      if (!std::isfinite(scale[i]) || scale[i] < 0)
        throw ModelError("model " + origin_ + ": interval scale '" + sidecar_.interval_scale_output + "' of frame " +
                         std::to_string(i) + " is " + std::to_string(scale[i]) + ", not a finite value >= 0");
      half = sidecar_.interval_quantile * scale[i];
    } else {
      half = *sidecar_.interval_halfwidth;
    }
    lo[i] = std::clamp(y - half, sidecar_.range_lo, sidecar_.range_hi);
    hi[i] = std::clamp(y + half, sidecar_.range_lo, sidecar_.range_hi);
  }
}

void OnnxModel::run_outputs(const double* x, std::size_t frames, const std::vector<std::string>& names,
                            const std::vector<double*>& outs) const {
  const Runtime& rt = Runtime::get();
  const std::size_t f = sidecar_.features.size();
  std::vector<float> input(frames * f);
  for (std::size_t i = 0; i < input.size(); ++i) input[i] = static_cast<float>(x[i]);
  const std::int64_t shape[2] = {static_cast<std::int64_t>(frames), static_cast<std::int64_t>(f)};
  ValuePtr in;
  rt.check(rt.fn<fn::CreateTensorWithDataAsOrtValue>(slot::CreateTensorWithDataAsOrtValue)(
               h_->memory.get(), input.data(), input.size() * sizeof(float), shape, 2, ort::kFloat, in.out()),
           "model " + origin_ + ": input tensor");
  const char* in_names[] = {sidecar_.input_name.c_str()};
  std::vector<const char*> out_names;
  for (const auto& n : names) out_names.push_back(n.c_str());
  const ort::Value* inputs[] = {in.get()};
  std::vector<ValuePtr> results(names.size());
  std::vector<ort::Value*> raw(names.size(), nullptr);
  rt.check(rt.fn<fn::Run>(slot::Run)(h_->session.get(), nullptr, in_names, inputs, 1, out_names.data(), names.size(),
                                     raw.data()),
           "model " + origin_ + ": inference failed");
  for (std::size_t k = 0; k < names.size(); ++k) *results[k].out() = raw[k];
  for (std::size_t k = 0; k < names.size(); ++k) {
    ShapePtr info;
    rt.check(rt.fn<fn::GetTensorTypeAndShape>(slot::GetTensorTypeAndShape)(results[k].get(), info.out()),
             "output shape");
    ort::ElementType type{};
    std::size_t count = 0;
    rt.check(rt.fn<fn::GetTensorElementType>(slot::GetTensorElementType)(info.get(), &type), "output type");
    rt.check(rt.fn<fn::GetTensorShapeElementCount>(slot::GetTensorShapeElementCount)(info.get(), &count),
             "output size");
    if (type != ort::kFloat || count != frames)
      throw ModelError("model " + origin_ + ": output '" + names[k] + "' has " + std::to_string(count) +
                       " values for " + std::to_string(frames) + " frames");
    void* data = nullptr;
    rt.check(rt.fn<fn::GetTensorMutableData>(slot::GetTensorMutableData)(results[k].get(), &data), "output data");
    const auto* y = static_cast<const float*>(data);
    for (std::size_t i = 0; i < frames; ++i) outs[k][i] = y[i];
  }
}

OrtInfo ort_info() {
  const Runtime& rt = Runtime::get();
  return {rt.version(), rt.path(), rt.providers()};
}

void ort_set_library_hint(const std::string& path) { ort::set_library_hint(path); }
void ort_preload() { ort::preload(); }
void ort_preload_wait() { ort::preload_wait(); }

void ort_set_log_level(const std::string& level) {
  static const char* const names[] = {"verbose", "info", "warning", "error", "fatal", "off"};
  for (int i = 0; i <= ort::kLogOff; ++i)
    if (level == names[i]) return ort::set_log_level(i);
  throw InputError("ONNX Runtime log level '" + level + "': use off, error, warning, info or verbose");
}

std::string ort_log_level() {
  static const char* const names[] = {"verbose", "info", "warning", "error", "fatal", "off"};
  return names[ort::log_level()];
}

std::vector<OrtSlotUse> ort_slot_use() {
  std::vector<OrtSlotUse> out;
  const auto used = ort::exercised_slots();
  const auto& slots = ort::declared_slots();
  for (std::size_t i = 0; i < slots.size(); ++i) out.push_back({slots[i].name, slots[i].index, slots[i].since, used[i]});
  return out;
}

}  // namespace pvt
