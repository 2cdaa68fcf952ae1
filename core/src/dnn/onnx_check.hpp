#pragma once
// Static checks of an ONNX model file, before any ONNX Runtime session exists:
// a size cap, the opset range, an operator allowlist (default domain only,
// no custom domains, functions, sub-graphs, sparse or external data), one
// [N, F] float input with a dynamic batch axis, and memory budgets from
// static shape inference of every node at every batch size the runtime feeds.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pvt::dnn {

inline constexpr std::size_t kMaxModelBytes = 16u << 20;

// ONNX Runtime's graph optimisation level for every session, native and
// Python's (pyvmaf_tiny.models.onnx.python_session_options): 1, basic. Basic
// rewrites keep standard ONNX operators and run for every provider; the
// extended level's fusions into com.microsoft operators do not, and 1.19 to
// 1.28 fuse a float64 SiLU into QuickGelu, which has no float64 kernel.
inline constexpr int kGraphOptimization = 1;
inline constexpr const char* kGraphOptimizationName = "basic";
inline constexpr std::int64_t kMinOpset = 17, kMaxOpset = 21;

// The largest batch OnnxModel::predict() ever runs. It feeds power-of-two
// batches only (1, 2, 4, ..., kMaxBatch), and the checker infers every node's
// shapes at each of them: a graph's sizes need not grow with the batch
// (Reshape to [-1, N] then MatMul shrinks as N grows), so checking the
// largest alone would not bound the others.
inline constexpr std::int64_t kMaxBatch = 1024;
std::vector<std::int64_t> batch_sizes();

// Budgets, at every batch size: any one tensor (node output, initializer or
// constant), all of them together, and the number of nodes.
inline constexpr std::uint64_t kMaxTensorBytes = 64ull << 20;
inline constexpr std::uint64_t kMaxTotalBytes = 256ull << 20;
inline constexpr std::size_t kMaxNodes = 4096;
// Extractor configurations a model's features may need (onnx_model.cpp).
inline constexpr std::size_t kMaxExtractorPasses = 16;

struct TensorSpec {
  std::string name;
  int elem_type = 0;               // ONNX TensorProto data type (1 = float)
  std::vector<std::int64_t> dims;  // -1 for a symbolic or unknown dimension
};

// A tensor stored in the file (initializer or Constant attribute): its type,
// shape and, for small integer tensors, its values (shape arithmetic uses them).
struct StoredTensor {
  int elem_type = 0;
  std::vector<std::int64_t> dims;
  bool has_values = false;
  std::vector<std::int64_t> values;
};

struct Attribute {
  std::string name;
  int type = 0;  // ONNX AttributeProto type: 1 float, 2 int, 4 tensor, 6 floats, 7 ints, ...
  std::int64_t i = 0;
  std::vector<std::int64_t> ints;
  std::size_t count = 0;  // elements of a floats/ints list
  StoredTensor tensor;
};

struct Node {
  std::string op, name;
  std::vector<std::string> inputs, outputs;
  std::vector<Attribute> attributes;
  const Attribute* attribute(std::string_view name) const;
};

struct Graph {
  std::vector<Node> nodes;
  std::map<std::string, StoredTensor, std::less<>> initializers;
  std::vector<TensorSpec> inputs;  // graph inputs that are not initializers
  std::vector<TensorSpec> outputs;
};

struct OnnxSummary {
  std::int64_t opset = 0;
  std::vector<std::string> op_types;
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;
  // Graph outputs with exactly one value per input row at every batch size.
  std::set<std::string> row_outputs;
  // The largest single tensor and the largest total, over the batch sizes.
  std::uint64_t max_tensor_bytes = 0, max_total_bytes = 0;
};

// Parses and checks `bytes`; throws ModelError naming `origin` on any problem.
OnnxSummary check_onnx(std::string_view bytes, const std::string& origin);

// check_onnx() in two steps: the file's structure, then shape inference over
// the graph at each of batch_sizes() (which fills the summary's row_outputs
// and byte figures, and throws ModelError when a shape cannot be inferred or
// a budget is exceeded).
struct ParsedModel {
  OnnxSummary summary;
  Graph graph;
};
ParsedModel parse_onnx(std::string_view bytes, const std::string& origin);
void infer_shapes(const Graph& graph, std::int64_t opset, const std::string& origin, OnnxSummary& summary);
// Every tensor's inferred element type and shape at one batch size (for tests).
std::map<std::string, std::pair<int, std::vector<std::int64_t>>> tensor_shapes(const Graph& graph, std::int64_t opset,
                                                                               const std::string& origin,
                                                                               std::int64_t batch);

// Throws ModelError unless the model takes [N, features] float32 as `input`
// and gives one float32 value per row as `output` ([N] or [N, 1]).
void check_io(const OnnxSummary& model, const std::string& input, std::size_t features, const std::string& output,
              const std::string& origin);

const std::vector<std::string>& allowed_ops();

// The float32 twin of a graph that computes in float64 only through Cast
// nodes (the trainer's export: float32 weights and input, widened by Cast):
// every Cast to float64 becomes a Cast to float32, a one-byte change each, so
// an execution provider without float64 kernels (OpenVINO) can run it. nullopt
// when the graph holds no float64, or holds it any other way (a stored
// tensor, a declared type, another operator's dtype attribute).
std::optional<std::string> narrow_float64(std::string_view bytes, const std::string& origin);

}  // namespace pvt::dnn
