#pragma once
// Static checks of an ONNX model file, before any ONNX Runtime session exists:
// a size cap, the opset range, an operator allowlist (default domain only,
// no custom domains, functions, sub-graphs or external data), and the one
// input and the output the sidecar promises.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pvt::dnn {

inline constexpr std::size_t kMaxModelBytes = 16u << 20;
inline constexpr std::int64_t kMinOpset = 17, kMaxOpset = 21;

struct TensorSpec {
  std::string name;
  int elem_type = 0;               // ONNX TensorProto data type (1 = float)
  std::vector<std::int64_t> dims;  // -1 for a symbolic or unknown dimension
};

struct OnnxSummary {
  std::int64_t opset = 0;
  std::vector<std::string> op_types;
  std::vector<TensorSpec> inputs;   // graph inputs that are not initializers
  std::vector<TensorSpec> outputs;
};

// Parses and checks `bytes`; throws ModelError naming `origin` on any problem.
OnnxSummary check_onnx(std::string_view bytes, const std::string& origin);

// Throws ModelError unless the model takes [N, features] float32 as `input`
// and gives [N] or [N, 1] float32 as `output`.
void check_io(const OnnxSummary& model, const std::string& input, std::size_t features, const std::string& output,
              const std::string& origin);

const std::vector<std::string>& allowed_ops();

}  // namespace pvt::dnn
