#pragma once
// Tiny ONNX quality models run through ONNX Runtime's C API (loaded at run
// time), described by a versioned JSON sidecar beside the .onnx file.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyvmaf_tiny/model.hpp"

namespace pvt {

inline constexpr const char* kSidecarSchema = "pyvmaf-tiny/model/1";

struct Sidecar {
  std::string name;
  std::string kind;  // "fr_features"
  std::string onnx;  // file name, beside the sidecar
  std::string sha256;
  int opset = 0;
  std::string quant = "fp32";
  std::string input_name;
  std::vector<std::string> features;
  std::string output_name;
  double range_lo = 0.0, range_hi = 100.0;
  std::optional<double> interval_halfwidth;
};

// Parses and validates a sidecar; throws ModelError naming `origin`.
Sidecar parse_sidecar(std::string_view text, const std::string& origin);

struct DnnOptions {
  std::string device = "auto";  // "cpu", "cuda", "openvino" or "auto"
};

class OnnxModel final : public Model {
 public:
  // Loads `<dir>/<name>.json` and the .onnx it names, validating both before
  // any session exists. Throws ModelError, or BackendUnavailable when ONNX
  // Runtime or the requested execution provider is missing.
  static std::shared_ptr<OnnxModel> load(const std::string& sidecar_path, const DnnOptions& options);
  static std::shared_ptr<OnnxModel> from_memory(std::string_view sidecar_text, std::string_view onnx_bytes,
                                                const std::string& origin, const DnnOptions& options);
  ~OnnxModel() override;

  const Sidecar& sidecar() const { return sidecar_; }
  std::vector<std::string> columns() const override { return sidecar_.features; }
  std::vector<ExtractorSpec> extractor_specs() const override;
  // Runs the rows as one [frames, F] batch; outputs are clipped to the sidecar range.
  void predict(const double* x, std::size_t frames, double* out) const override;
  std::string backend() const override { return backend_; }

 private:
  struct Handles;
  OnnxModel() = default;
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

struct OrtSlotUse {
  std::string name;
  int index;
  int since;
  bool exercised;
};
std::vector<OrtSlotUse> ort_slot_use();

}  // namespace pvt
