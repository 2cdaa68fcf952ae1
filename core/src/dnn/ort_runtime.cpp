#include "ort_runtime.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <memory>
#include <mutex>

#include "../platform/file.hpp"
#include "../platform/library.hpp"
#include "../platform/memory.hpp"
#include "pyvmaf_tiny/errors.hpp"

namespace pvt::ort {
namespace {

constexpr int kTableSize = 512;  // larger than any slot we use
std::array<std::atomic<bool>, kTableSize> g_exercised{};

std::mutex g_mu;
std::string g_hint;
Runtime* g_runtime = nullptr;

#define PVT_SLOT(name, since) SlotInfo{#name, slot::name, since}
const std::vector<SlotInfo> kSlots = {
    PVT_SLOT(CreateStatus, 1), PVT_SLOT(GetErrorCode, 1), PVT_SLOT(GetErrorMessage, 1),
    PVT_SLOT(CreateEnvWithCustomLogger, 1),
    PVT_SLOT(DisableTelemetryEvents, 1), PVT_SLOT(CreateSessionFromArray, 1), PVT_SLOT(Run, 1),
    PVT_SLOT(CreateSessionOptions, 1), PVT_SLOT(SetSessionExecutionMode, 1), PVT_SLOT(SetSessionLogSeverityLevel, 1),
    PVT_SLOT(SetSessionGraphOptimizationLevel, 1), PVT_SLOT(SetIntraOpNumThreads, 1),
    PVT_SLOT(SetInterOpNumThreads, 1), PVT_SLOT(SessionGetInputCount, 1), PVT_SLOT(SessionGetOutputCount, 1),
    PVT_SLOT(SessionGetInputTypeInfo, 1), PVT_SLOT(SessionGetOutputTypeInfo, 1), PVT_SLOT(SessionGetInputName, 1),
    PVT_SLOT(SessionGetOutputName, 1), PVT_SLOT(CreateTensorWithDataAsOrtValue, 1),
    PVT_SLOT(GetTensorMutableData, 1), PVT_SLOT(CastTypeInfoToTensorInfo, 1), PVT_SLOT(GetOnnxTypeFromTypeInfo, 1),
    PVT_SLOT(GetTensorElementType, 1), PVT_SLOT(GetDimensionsCount, 1), PVT_SLOT(GetDimensions, 1),
    PVT_SLOT(GetTensorShapeElementCount, 1), PVT_SLOT(GetTensorTypeAndShape, 1), PVT_SLOT(CreateCpuMemoryInfo, 1),
    PVT_SLOT(AllocatorFree, 1), PVT_SLOT(GetAllocatorWithDefaultOptions, 1),
    PVT_SLOT(ReleaseStatus, 1), PVT_SLOT(ReleaseMemoryInfo, 1), PVT_SLOT(ReleaseSession, 1),
    PVT_SLOT(ReleaseValue, 1), PVT_SLOT(ReleaseTypeInfo, 1), PVT_SLOT(ReleaseTensorTypeAndShapeInfo, 1),
    PVT_SLOT(ReleaseSessionOptions, 1), PVT_SLOT(GetAvailableProviders, 4), PVT_SLOT(ReleaseAvailableProviders, 4),
    PVT_SLOT(AddSessionConfigEntry, 5), PVT_SLOT(AppendExecutionProviderCudaV2, 11),
    PVT_SLOT(CreateCudaProviderOptions, 11), PVT_SLOT(ReleaseCudaProviderOptions, 11),
    PVT_SLOT(SetUserLoggingFunction, 17), PVT_SLOT(AppendExecutionProviderOpenVinoV2, 17),
};
#undef PVT_SLOT

constexpr const char* kLibraryVariable = "PYVMAF_TINY_ORT_LIBRARY";

// Candidate library files, in search order. $PYVMAF_TINY_ORT_LIBRARY, when
// set, is the only one: a caller who names a library gets it or an error.
std::vector<std::string> candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv(kLibraryVariable); env && *env) return {env};
  std::string hint;
  {
    std::lock_guard lock(g_mu);
    hint = g_hint;
  }
  if (!hint.empty()) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::is_directory(hint, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(hint, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("libonnxruntime.so", 0) == 0 || name.rfind("libonnxruntime.", 0) == 0)
          if (name.find("providers") == std::string::npos) found.push_back(e.path().string());
      }
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(hint);
    }
  }
#ifdef __APPLE__
  out.emplace_back("libonnxruntime.dylib");
#else
  out.emplace_back("libonnxruntime.so.1");
  out.emplace_back("libonnxruntime.so");
#endif
  return out;
}

int level_from_environment() {
  const char* v = std::getenv("PYVMAF_TINY_ORT_LOG");
  if (!v) return kLogOff;
  const std::string s(v);
  if (s == "verbose") return kVerbose;
  if (s == "info") return kInfo;
  if (s == "warning") return kWarning;
  if (s == "error") return kError;
  if (s == "fatal") return kFatal;
  return kLogOff;
}

std::atomic<int>& level_setting() {
  static std::atomic<int> level{level_from_environment()};
  return level;
}

// ONNX Runtime calls this, from any of its threads, for each log line.
void log_line(void*, LoggingLevel severity, const char*, const char*, const char*, const char* message) noexcept {
  if (static_cast<int>(severity) < level_setting().load(std::memory_order_relaxed)) return;
  static const char* const names[] = {"verbose", "info", "warning", "error", "fatal"};
  const int s = std::clamp(static_cast<int>(severity), 0, 4);
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::fprintf(stderr, "pyvmaf-tiny: onnxruntime %s: %s\n", names[s], message ? message : "");
  std::fflush(stderr);
}

}  // namespace

void set_log_level(int level) { level_setting().store(std::clamp(level, 0, kLogOff)); }
int log_level() { return level_setting().load(); }

const std::vector<SlotInfo>& declared_slots() { return kSlots; }

std::vector<bool> exercised_slots() {
  std::vector<bool> out;
  for (const auto& s : kSlots) out.push_back(g_exercised[static_cast<std::size_t>(s.index)].load());
  return out;
}

void set_library_hint(const std::string& path) {
  std::lock_guard lock(g_mu);
  g_hint = path;
}

namespace {
std::mutex g_preload_mu;
// Never destroyed (a joinable std::thread's destructor terminates): joined
// by preload_wait(), before a fork and, through the binding, at exit.
std::thread* g_preload = nullptr;
}  // namespace

void preload() {
  // Set here, on the caller's thread, not by the loading thread beside it.
  platform::set_env_default("ORT_DISABLE_TELEMETRY", "1");
  std::lock_guard lock(g_preload_mu);
  if (g_preload) return;
  // A child forked mid-load would inherit the loader's lock without its thread.
  platform::at_fork(preload_wait, nullptr, nullptr);
  g_preload = new std::thread([] {
    try {
      Runtime::get();
    } catch (...) {  // the first real use tries again and reports it
    }
  });
}

void preload_wait() {
  std::lock_guard lock(g_preload_mu);
  if (g_preload && g_preload->joinable()) g_preload->join();
}

void Runtime::mark(int slot) { g_exercised[static_cast<std::size_t>(slot)].store(true, std::memory_order_relaxed); }

Runtime::Runtime(void* handle, std::string path) : handle_(handle), path_(std::move(path)) {
  using GetBase = const ApiBase* (*)();
  auto get_base = reinterpret_cast<GetBase>(platform::symbol(handle, "OrtGetApiBase"));
  if (!get_base) throw BackendUnavailable(path_ + ": does not export OrtGetApiBase, so it is not ONNX Runtime");
  const ApiBase* base = get_base();
  if (!base || !base->GetApi || !base->GetVersionString) throw BackendUnavailable(path_ + ": OrtGetApiBase() is empty");
  version_ = base->GetVersionString();
  table_ = static_cast<const void* const*>(base->GetApi(kApiVersion));
  if (!table_)
    throw BackendUnavailable(path_ + ": ONNX Runtime " + version_ + " lacks C API version " +
                             std::to_string(kApiVersion) + " (pyvmaf-tiny needs onnxruntime >= 1." +
                             std::to_string(kApiVersion) + ")");
  // A round trip through a status we make ourselves guards against a table
  // that is not laid out as we declared.
  Status* probe = fn<fn::CreateStatus>(slot::CreateStatus)(kInvalidArgument, "pyvmaf-tiny ABI check");
  const bool ok = probe && fn<fn::GetErrorCode>(slot::GetErrorCode)(probe) == kInvalidArgument &&
                  std::string(fn<fn::GetErrorMessage>(slot::GetErrorMessage)(probe)) == "pyvmaf-tiny ABI check";
  if (probe) fn<fn::Release<Status>>(slot::ReleaseStatus)(probe);
  if (!ok) throw BackendUnavailable(path_ + ": ONNX Runtime " + version_ + " failed the C ABI check");
  // The environment's own lines (few) reach our logger from warnings up;
  // sessions set their level from log_level() (route_logging). When another
  // user of this library in the process created the environment first, ORT
  // ignores these arguments, and the session-level routing still applies.
  Env* env = nullptr;
  check(fn<fn::CreateEnvWithCustomLogger>(slot::CreateEnvWithCustomLogger)(
            log_line, nullptr, static_cast<LoggingLevel>(std::min<int>(log_level(), kWarning)), "pyvmaf-tiny", &env),
        "creating the ONNX Runtime environment");
  env_ = env;
  check(fn<fn::DisableTelemetryEvents>(slot::DisableTelemetryEvents)(env_), "disabling telemetry");
}

void Runtime::route_logging(SessionOptions* options) const {
  const int level = log_level();
  check(fn<fn::SetUserLoggingFunction>(slot::SetUserLoggingFunction)(options, log_line, nullptr), "session options");
  check(fn<fn::SetSessionLogSeverityLevel>(slot::SetSessionLogSeverityLevel)(options, std::min(level, int{kFatal})),
        "session options");
}

Runtime& Runtime::get() {
  static std::mutex load_mu;
  std::lock_guard lock(load_mu);
  if (g_runtime) return *g_runtime;
  // ORT 1.32's telemetry (on Linux: an uploader with an SQLite queue in
  // ~/.cache/Microsoft/DeveloperTools/.onnxruntime) starts with the library
  // unless ORT_DISABLE_TELEMETRY says otherwise; DisableTelemetryEvents()
  // comes too late to stop it. A caller's own setting is left alone.
  platform::set_env_default("ORT_DISABLE_TELEMETRY", "1");
  std::string tried;
  const char* named = std::getenv(kLibraryVariable);
  const bool required = named && *named;
  for (const auto& path : candidates()) {
    if (required) {
      // The caller's path passes the path policy (an existing regular file,
      // after links) before the loader sees it.
      try {
        platform::RegularFile check(path, "", platform::FileError::model);
      } catch (const Error& e) {
        throw BackendUnavailable(std::string(kLibraryVariable) + "=" + e.what());
      }
    }
    std::string err;
    void* handle = platform::load_library(path, err);
    if (!handle) {
      if (required)
        throw BackendUnavailable(std::string(kLibraryVariable) + "=" + path + ": cannot be loaded (" +
                                 (err.empty() ? "unknown loader error" : err) + ")");
      tried += "\n  " + path + ": " + (err.empty() ? "cannot load" : err);
      continue;
    }
    // The library and its environment live until the process exits; a
    // library refused before it made an environment is unloaded again.
    try {
      g_runtime = new Runtime(handle, path);
    } catch (const BackendUnavailable& e) {
      platform::unload_library(handle);
      if (required) throw BackendUnavailable(std::string(kLibraryVariable) + "=" + e.what());
      throw;
    }
    return *g_runtime;
  }
  throw BackendUnavailable("ONNX Runtime not found (pip install onnxruntime, or set PYVMAF_TINY_ORT_LIBRARY); tried:" +
                           tried);
}

std::string Runtime::message(Status* status) const {
  if (!status) return "";
  const char* text = fn<fn::GetErrorMessage>(slot::GetErrorMessage)(status);
  const ErrorCode code = fn<fn::GetErrorCode>(slot::GetErrorCode)(status);
  std::string msg = text ? text : "unknown error";
  if (msg.empty()) msg = "error code " + std::to_string(static_cast<int>(code));
  fn<fn::Release<Status>>(slot::ReleaseStatus)(status);
  return msg;
}

void Runtime::check(Status* status, const std::string& what) const {
  if (!status) return;
  throw ModelError(what + ": " + message(status));
}

std::vector<std::string> Runtime::providers() const {
  char** names = nullptr;
  int count = 0;
  check(fn<fn::GetAvailableProviders>(slot::GetAvailableProviders)(&names, &count), "listing execution providers");
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.emplace_back(names[i]);
  check(fn<fn::ReleaseAvailableProviders>(slot::ReleaseAvailableProviders)(names, count),
        "releasing the provider list");
  return out;
}

}  // namespace pvt::ort
