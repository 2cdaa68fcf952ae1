#pragma once
// Loads ONNX Runtime's shared library once per process and hands out the
// entries of its C API table that ort_abi.hpp declares.
#include <atomic>
#include <string>
#include <vector>

#include "ort_abi.hpp"

namespace pvt::ort {

struct SlotInfo {
  const char* name;
  int index;
  int since;  // API version that introduced it
};

// Every table entry we declare, and whether this process has called it.
const std::vector<SlotInfo>& declared_slots();
std::vector<bool> exercised_slots();

// Where Python's onnxruntime package keeps the library (a file or a folder);
// searched after $PYVMAF_TINY_ORT_LIBRARY and before the system's.
void set_library_hint(const std::string& path);
// Starts loading the library on a thread of its own (once per process), so
// that the first Runtime::get() finds it loaded or waits for it; a failure
// is left for that call to report. Set the hint first. preload_wait() joins
// that thread: the process must not exit while it runs, since the library's
// own exit handlers would run beside its initialisation.
void preload();
void preload_wait();

// The lowest ORT severity (0 verbose .. 4 fatal) pyvmaf-tiny's logger shows;
// kLogOff shows nothing. Starts from $PYVMAF_TINY_ORT_LOG, else off.
inline constexpr int kLogOff = 5;
void set_log_level(int level);
int log_level();

class Runtime {
 public:
  // The loaded runtime; throws BackendUnavailable if no usable library exists.
  static Runtime& get();

  template <class F>
  F fn(int slot) const {
    mark(slot);
    return reinterpret_cast<F>(table_[slot]);
  }

  // Throws ModelError("<what>: <ORT's message>") for a failed status, freeing it.
  void check(Status* status, const std::string& what) const;
  // Returns ORT's message for a failed status (freeing it), or "" on success.
  std::string message(Status* status) const;

  Env* env() const { return env_; }
  // Routes a session's log lines to pyvmaf-tiny's logger, at the level
  // ort_set_log_level() last chose (nothing when it is "off").
  void route_logging(SessionOptions* options) const;
  const std::string& version() const { return version_; }
  const std::string& path() const { return path_; }
  std::vector<std::string> providers() const;

 private:
  Runtime(void* handle, std::string path);
  static void mark(int slot);

  void* handle_ = nullptr;
  const void* const* table_ = nullptr;
  Env* env_ = nullptr;
  std::string version_, path_;
};

}  // namespace pvt::ort
