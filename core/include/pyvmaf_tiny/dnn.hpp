#pragma once
// Tiny ONNX quality models run through ONNX Runtime's C API (loaded at run
// time), described by a versioned JSON sidecar beside the .onnx file.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyvmaf_tiny/json.hpp"
#include "pyvmaf_tiny/model.hpp"

namespace pvt {

inline constexpr const char* kSidecarSchema = "pyvmaf-tiny/model/1";
// Version 2 adds the per-frame (locally adaptive) interval: "interval" may name
// a second graph output ("scale_output") and a "quantile". Version 1 files
// (a fixed "halfwidth") still load unchanged.
inline constexpr const char* kSidecarSchemaV2 = "pyvmaf-tiny/model/2";
// The largest sidecar read whole into memory.
inline constexpr std::size_t kMaxSidecarBytes = std::size_t{1} << 20;

struct Sidecar {
  std::string name;
  std::string kind;  // "fr_features"
  std::string onnx;  // a plain file name (no directory part), beside the sidecar
  std::string sha256;
  int opset = 0;
  std::string quant = "fp32";
  std::string input_name;
  std::vector<std::string> features;
  std::string output_name;
  double range_lo = 0.0, range_hi = 100.0;
  std::optional<double> interval_halfwidth;
  // Schema 2: the interval is score -/+ interval_quantile * scale, where scale
  // is the graph output `interval_scale_output` (one value >= 0 per row).
  std::string interval_scale_output;
  double interval_quantile = 0.0;
  // The interval covers 1 - interval_alpha of frames (0 < alpha < 1; 0.1 unless given).
  double interval_alpha = 0.1;
  int schema = 1;
};

// Parses and validates a sidecar; throws ModelError naming `origin`.
Sidecar parse_sidecar(std::string_view text, const std::string& origin);
// The same, from a document the JSON reader has already parsed.
Sidecar sidecar_from_document(const json::Value& root, const std::string& origin);

struct DnnOptions {
  std::string device = "auto";  // "cpu", "cuda", "openvino" or "auto"
};

class OnnxModel final : public Model {
 public:
  // Loads `<dir>/<name>.json` and the .onnx it names (regular files only,
  // read within their byte caps), validating both before any session exists.
  // Throws ModelError, or BackendUnavailable when ONNX Runtime or the
  // requested execution provider is missing.
  static std::shared_ptr<OnnxModel> load(const std::string& sidecar_path, const DnnOptions& options);
  static std::shared_ptr<OnnxModel> from_memory(std::string_view sidecar_text, std::string_view onnx_bytes,
                                                const std::string& origin, const DnnOptions& options);
  static std::shared_ptr<OnnxModel> from_sidecar(const Sidecar& sidecar, std::string_view onnx_bytes,
                                                 const std::string& origin, const DnnOptions& options);
  ~OnnxModel() override;

  const Sidecar& sidecar() const { return sidecar_; }
  std::vector<std::string> columns() const override { return sidecar_.features; }
  std::vector<ExtractorSpec> extractor_specs() const override;
  // Runs the rows in batches of the sizes the ONNX checker inferred shapes
  // for (dnn::batch_sizes()); outputs are clipped to the sidecar range.
  void predict(const double* x, std::size_t frames, double* out) const override;
  std::string backend() const override { return backend_; }

  // Whether the sidecar gives an interval (fixed or per frame).
  bool has_interval() const {
    return sidecar_.interval_halfwidth.has_value() || !sidecar_.interval_scale_output.empty();
  }
  // The per-frame interval of each row's score, clipped to the output range:
  // score -/+ halfwidth, or score -/+ quantile * scale(row) with schema 2.
  // Throws ModelError when the model has no interval.
  void predict_interval(const double* x, std::size_t frames, double* lo, double* hi) const;

 private:
  struct Handles;
  OnnxModel() = default;
  void run_batch(const double* x, std::size_t frames, std::size_t first_row, double* out) const;
  // Runs the graph once for `frames` rows and copies each named output (one float per row) to outs[k].
  void run_outputs(const double* x, std::size_t frames, const std::vector<std::string>& names,
                   const std::vector<double*>& outs) const;
  Sidecar sidecar_;
  std::string origin_;
  std::string backend_;
  std::unique_ptr<Handles> h_;
};

// ONNX Runtime facts for diagnostics and tests.
struct OrtInfo {
  std::string version, library;
  std::vector<std::string> providers;
};
OrtInfo ort_info();
void ort_set_library_hint(const std::string& path);
// Loads ONNX Runtime on a thread of its own while the caller goes on, and
// waits for that thread (see ort_runtime.hpp).
void ort_preload();
void ort_preload_wait();
// ONNX Runtime's own log lines go through pyvmaf-tiny's logger (stderr,
// "pyvmaf-tiny: onnxruntime <level>: ..."): "off" (the default, unless
// $PYVMAF_TINY_ORT_LOG names a level), "error", "warning", "info" or "verbose".
void ort_set_log_level(const std::string& level);
std::string ort_log_level();

struct OrtSlotUse {
  std::string name;
  int index;
  int since;
  bool exercised;
};
std::vector<OrtSlotUse> ort_slot_use();

}  // namespace pvt
