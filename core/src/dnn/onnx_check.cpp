#include "onnx_check.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "pyvmaf_tiny/errors.hpp"
#include "proto_wire.hpp"
#include "pyvmaf_tiny/json.hpp"

namespace pvt::dnn {
namespace {

[[noreturn]] void reject(const std::string& origin, const std::string& msg) {
  throw ModelError("model " + origin + ": " + msg);
}

constexpr std::size_t kMaxValueElements = 64;  // integer tensors whose values shape inference keeps
constexpr std::size_t kMaxAttributeInts = 4096;
constexpr std::uint64_t kMaxElements = 1ull << 40;  // any product of dimensions beyond this is refused

// Bits per element of an ONNX tensor data type; 0 for types a model may not use.
int element_bits(int type) {
  switch (type) {
    case 1: case 6: case 12: return 32;  // float, int32, uint32
    case 2: case 3: case 9: case 17: case 18: case 19: case 20: return 8;  // (u)int8, bool, float8 variants
    case 4: case 5: case 10: case 16: return 16;  // (u)int16, float16, bfloat16
    case 7: case 11: case 13: return 64;  // int64, double, uint64
    case 21: case 22: case 23: return 4;  // (u)int4, float4
    default: return 0;  // undefined, string, complex, and anything newer
  }
}

// Elements in a packed field of varints.
std::size_t packed_varints(std::string_view b) {
  std::size_t n = 0;
  for (const char c : b) n += (static_cast<unsigned char>(c) & 0x80) == 0;
  return n;
}

StoredTensor stored_tensor(std::string_view bytes, const std::string& origin, std::string& name_out) {
  StoredTensor t;
  Wire w(bytes, origin);
  int f, ty;
  bool have_raw = false;
  std::string_view raw;
  std::size_t floats = 0, int32s = 0, int64s = 0, doubles = 0, uint64s = 0;
  std::vector<std::int64_t> int64_values, int32_values;
  auto read_varints = [&](Wire& wire, int type, std::size_t& count, std::vector<std::int64_t>* keep) {
    if (type == 2) {
      const std::string_view packed = wire.bytes();
      const std::size_t n = packed_varints(packed);
      count += n;
      if (keep && keep->size() + n <= kMaxValueElements) {
        Wire inner(packed, origin);
        while (!inner.done()) keep->push_back(static_cast<std::int64_t>(inner.varint()));
      }
    } else if (type == 0) {
      const auto v = static_cast<std::int64_t>(wire.varint());
      ++count;
      if (keep && keep->size() < kMaxValueElements) keep->push_back(v);
    } else {
      wire.fail("bad tensor field");
    }
  };
  while (w.next(f, ty)) {
    switch (f) {
      case 1:  // dims
        if (ty == 2) {
          Wire inner(w.bytes(), origin);
          while (!inner.done()) {
            if (t.dims.size() >= 64) reject(origin, "a stored tensor has more than 64 dimensions");
            t.dims.push_back(static_cast<std::int64_t>(inner.varint()));
          }
        } else if (ty == 0) {
          if (t.dims.size() >= 64) reject(origin, "a stored tensor has more than 64 dimensions");
          t.dims.push_back(static_cast<std::int64_t>(w.varint()));
        } else {
          w.fail("bad tensor field");
        }
        break;
      case 2: t.elem_type = static_cast<int>(w.varint()); break;
      case 3: reject(origin, "segmented tensors are not allowed");
      case 4:
        if (ty == 2) floats += w.bytes().size() / 4;
        else if (ty == 5) w.skip(ty), ++floats;
        else w.fail("bad tensor field");
        break;
      case 5: read_varints(w, ty, int32s, &int32_values); break;
      case 6: reject(origin, "string tensors are not allowed");
      case 7: read_varints(w, ty, int64s, &int64_values); break;
      case 8: name_out = std::string(w.bytes()); break;
      case 9: raw = w.bytes(), have_raw = true; break;
      case 10:
        if (ty == 2) doubles += w.bytes().size() / 8;
        else if (ty == 1) w.skip(ty), ++doubles;
        else w.fail("bad tensor field");
        break;
      case 11: read_varints(w, ty, uint64s, nullptr); break;
      case 13: reject(origin, "external tensor data is not allowed");
      case 14:
        if (ty == 0 && w.varint() != 0) reject(origin, "external tensor data is not allowed");
        else if (ty != 0) w.skip(ty);
        break;
      default: w.skip(ty);
    }
  }
  const int bits = element_bits(t.elem_type);
  if (!bits) reject(origin, "tensor '" + json::excerpt(name_out) + "' has unsupported element type " + std::to_string(t.elem_type));
  std::uint64_t nonzero = 1;  // bounded even when a zero dimension makes the count 0
  bool zero = false;
  for (const std::int64_t d : t.dims) {
    if (d < 0) reject(origin, "tensor '" + json::excerpt(name_out) + "' has a negative dimension");
    if (d > 0 && nonzero > kMaxElements / static_cast<std::uint64_t>(d))
      reject(origin, "tensor '" + json::excerpt(name_out) + "' is impossibly large");
    if (d == 0) zero = true;
    else nonzero *= static_cast<std::uint64_t>(d);
  }
  const std::uint64_t n = zero ? 0 : nonzero;
  // The data must be exactly what the dimensions declare.
  const std::uint64_t packed4 = (n + 1) / 2;
  std::uint64_t held = 0, want = 0;
  if (have_raw) {
    held = raw.size();
    want = (n * static_cast<std::uint64_t>(bits) + 7) / 8;
  } else {
    switch (t.elem_type) {
      case 1: held = floats, want = n; break;
      case 11: held = doubles, want = n; break;
      case 7: held = int64s, want = n; break;
      case 12: case 13: held = uint64s, want = n; break;
      case 21: case 22: case 23: held = int32s, want = packed4; break;
      default: held = int32s, want = n; break;
    }
  }
  if (held != want)
    reject(origin, "tensor '" + json::excerpt(name_out) + "' declares " + std::to_string(n) + " elements but holds data for " +
                       (have_raw ? std::to_string(held) + " bytes" : std::to_string(held) + " elements"));
  // Integer values small enough to matter for shapes.
  if ((t.elem_type == 7 || t.elem_type == 6) && n <= kMaxValueElements) {
    t.has_values = true;
    if (have_raw) {
      const std::size_t size = t.elem_type == 7 ? 8 : 4;
      for (std::uint64_t i = 0; i < n; ++i) {
        std::uint64_t u = 0;
        for (std::size_t b = 0; b < size; ++b)
          u |= static_cast<std::uint64_t>(static_cast<unsigned char>(raw[i * size + b])) << (8 * b);
        t.values.push_back(size == 8 ? static_cast<std::int64_t>(u)
                                     : static_cast<std::int64_t>(static_cast<std::int32_t>(static_cast<std::uint32_t>(u))));
      }
    } else {
      t.values = t.elem_type == 7 ? int64_values : int32_values;
      if (t.elem_type == 6)
        for (auto& v : t.values) v = static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    }
  }
  return t;
}

TensorSpec value_info(std::string_view bytes, const std::string& origin) {
  TensorSpec t;
  Wire w(bytes, origin);
  int f, ty;
  while (w.next(f, ty)) {
    if (f == 1 && ty == 2) {
      t.name = std::string(w.bytes());
    } else if (f == 2 && ty == 2) {  // TypeProto
      Wire tp(w.bytes(), origin);
      while (tp.next(f, ty)) {
        if (f == 1 && ty == 2) {  // tensor_type
          Wire tt(tp.bytes(), origin);
          while (tt.next(f, ty)) {
            if (f == 1 && ty == 0) {
              t.elem_type = static_cast<int>(tt.varint());
            } else if (f == 2 && ty == 2) {  // shape
              Wire sh(tt.bytes(), origin);
              while (sh.next(f, ty)) {
                if (f == 1 && ty == 2) {  // dim
                  if (t.dims.size() >= 64) reject(origin, "an input or output has more than 64 dimensions");
                  Wire d(sh.bytes(), origin);
                  std::int64_t value = -1;
                  while (d.next(f, ty)) {
                    if (f == 1 && ty == 0) value = static_cast<std::int64_t>(d.varint());
                    else d.skip(ty);
                  }
                  t.dims.push_back(value < 0 ? -1 : value);
                } else {
                  sh.skip(ty);
                }
              }
            } else {
              tt.skip(ty);
            }
          }
        } else if (f >= 1 && f <= 9 && ty == 2) {
          reject(origin, "input/output '" + json::excerpt(t.name) + "' is not a tensor");
        } else {
          tp.skip(ty);
        }
      }
    } else {
      w.skip(ty);
    }
  }
  return t;  // no type at all is allowed (ONNX Runtime infers it); check_io() wants float32 where it matters
}

Attribute attribute(std::string_view bytes, const std::string& origin, const std::string& op) {
  Attribute a;
  Wire w(bytes, origin);
  int f, ty;
  while (w.next(f, ty)) {
    switch (f) {
      case 1: a.name = std::string(w.bytes()); break;
      case 3: a.i = static_cast<std::int64_t>(w.varint()); break;
      case 5: {
        std::string ignored;
        a.tensor = stored_tensor(w.bytes(), origin, ignored);
        break;
      }
      case 6: case 11: reject(origin, "operator " + json::excerpt(op) + " carries a sub-graph");
      case 7:
        if (ty == 2) a.count += w.bytes().size() / 4;
        else w.skip(ty), ++a.count;
        break;
      case 8:
        if (ty == 2) {
          Wire inner(w.bytes(), origin);
          while (!inner.done()) {
            if (a.ints.size() >= kMaxAttributeInts) reject(origin, "operator " + json::excerpt(op) + ": attribute list too long");
            a.ints.push_back(static_cast<std::int64_t>(inner.varint()));
          }
        } else {
          if (a.ints.size() >= kMaxAttributeInts) reject(origin, "operator " + json::excerpt(op) + ": attribute list too long");
          a.ints.push_back(static_cast<std::int64_t>(w.varint()));
        }
        a.count = a.ints.size();
        break;
      case 10: reject(origin, "operator " + json::excerpt(op) + " carries tensor-list attributes");
      case 20: a.type = static_cast<int>(w.varint()); break;
      case 21: reject(origin, "operator " + json::excerpt(op) + " refers to a function attribute");
      case 22: case 23: reject(origin, "operator " + json::excerpt(op) + " carries a sparse tensor");
      default: w.skip(ty);
    }
  }
  return a;
}

Node node(std::string_view bytes, const std::string& origin) {
  Node n;
  Wire w(bytes, origin);
  std::string domain;
  std::vector<std::string_view> attributes;
  int f, ty;
  while (w.next(f, ty)) {
    if (f == 1 && ty == 2) n.inputs.emplace_back(w.bytes());
    else if (f == 2 && ty == 2) n.outputs.emplace_back(w.bytes());
    else if (f == 3 && ty == 2) n.name = std::string(w.bytes());
    else if (f == 4 && ty == 2) n.op = std::string(w.bytes());
    else if (f == 7 && ty == 2) domain = std::string(w.bytes());
    else if (f == 5 && ty == 2) attributes.push_back(w.bytes());
    else w.skip(ty);
  }
  if (!domain.empty() && domain != "ai.onnx")
    reject(origin, "operator " + json::excerpt(n.op) + " is in custom domain '" + json::excerpt(domain) + "'");
  const auto& allowed = allowed_ops();
  if (std::find(allowed.begin(), allowed.end(), n.op) == allowed.end())
    reject(origin, "operator '" + json::excerpt(n.op) + "' is not on pyvmaf-tiny's allowlist");
  for (const auto a : attributes) n.attributes.push_back(attribute(a, origin, n.op));
  return n;
}

}  // namespace

const std::vector<std::string>& allowed_ops() {
  static const std::vector<std::string> ops = {
      "Abs", "Add", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "DequantizeLinear", "Div",
      "DynamicQuantizeLinear", "Elu", "Exp", "Flatten", "Gather", "Gemm", "HardSigmoid", "Identity", "LeakyRelu",
      "Log", "MatMul", "MatMulInteger", "Max", "Min", "Mul", "Neg", "Pow", "QLinearMatMul", "QuantizeLinear",
      "Reciprocal", "ReduceMean", "ReduceSum", "Relu", "Reshape", "Selu", "Shape", "Sigmoid", "Slice", "Softmax",
      "Softplus", "Sqrt", "Squeeze", "Sub", "Tanh", "Transpose", "Unsqueeze"};
  return ops;
}

const Attribute* Node::attribute(std::string_view key) const {
  for (const auto& a : attributes)
    if (a.name == key) return &a;
  return nullptr;
}

std::vector<std::int64_t> batch_sizes() {
  std::vector<std::int64_t> out;
  for (std::int64_t n = 1; n <= kMaxBatch; n *= 2) out.push_back(n);
  return out;
}

ParsedModel parse_onnx(std::string_view bytes, const std::string& origin) {
  if (bytes.empty()) reject(origin, "the ONNX file is empty");
  if (bytes.size() > kMaxModelBytes)
    reject(origin, std::to_string(bytes.size()) + " bytes is over the " + std::to_string(kMaxModelBytes >> 20) +
                       " MiB cap for tiny models");
  ParsedModel parsed;
  OnnxSummary& out = parsed.summary;
  Graph& graph = parsed.graph;
  bool have_default_opset = false, have_graph = false;
  std::vector<TensorSpec> inputs;
  Wire m(bytes, origin);
  int f, ty;
  while (m.next(f, ty)) {
    if (f == 8 && ty == 2) {  // opset_import
      Wire o(m.bytes(), origin);
      std::string domain;
      std::int64_t version = 0;
      while (o.next(f, ty)) {
        if (f == 1 && ty == 2) domain = std::string(o.bytes());
        else if (f == 2 && ty == 0) version = static_cast<std::int64_t>(o.varint());
        else o.skip(ty);
      }
      if (!domain.empty() && domain != "ai.onnx")
        reject(origin, "imports custom operator domain '" + json::excerpt(domain) + "'");
      if (have_default_opset && version != out.opset) reject(origin, "imports the default domain twice");
      have_default_opset = true;
      out.opset = version;
    } else if (f == 7 && ty == 2) {  // graph
      if (have_graph) reject(origin, "not a valid ONNX file (two graphs)");
      have_graph = true;
      Wire g(m.bytes(), origin);
      while (g.next(f, ty)) {
        if (f == 1 && ty == 2) {
          if (graph.nodes.size() >= kMaxNodes)
            reject(origin, "more than " + std::to_string(kMaxNodes) + " nodes (the budget for tiny models)");
          graph.nodes.push_back(node(g.bytes(), origin));
          out.op_types.push_back(graph.nodes.back().op);
        } else if (f == 5 && ty == 2) {
          std::string name;
          StoredTensor t = stored_tensor(g.bytes(), origin, name);
          if (!graph.initializers.emplace(name, std::move(t)).second)
            reject(origin, "initializer '" + json::excerpt(name) + "' is defined twice");
        } else if (f == 15 && ty == 2) {
          reject(origin, "sparse initializers are not allowed");
        } else if (f == 11 && ty == 2) {
          inputs.push_back(value_info(g.bytes(), origin));
        } else if (f == 12 && ty == 2) {
          out.outputs.push_back(value_info(g.bytes(), origin));
        } else {
          g.skip(ty);
        }
      }
    } else if (f == 25 && ty == 2) {
      reject(origin, "model-local functions are not allowed");
    } else {
      m.skip(ty);
    }
  }
  if (!have_graph) reject(origin, "not a valid ONNX file (no graph)");
  if (!have_default_opset) reject(origin, "no opset import for the default ONNX domain");
  if (out.opset < kMinOpset || out.opset > kMaxOpset)
    reject(origin, "opset " + std::to_string(out.opset) + " is outside the supported " + std::to_string(kMinOpset) +
                       ".." + std::to_string(kMaxOpset));
  for (auto& in : inputs)
    if (!graph.initializers.count(in.name)) out.inputs.push_back(std::move(in));
  graph.inputs = out.inputs;
  graph.outputs = out.outputs;
  if (out.inputs.size() != 1)
    reject(origin, "the graph must have exactly one input, it has " + std::to_string(out.inputs.size()));
  const TensorSpec& in = out.inputs[0];
  if (in.elem_type != 1) reject(origin, "input '" + json::excerpt(in.name) + "' must be float32");
  if (in.dims.size() != 2 || in.dims[1] <= 0) reject(origin, "input '" + json::excerpt(in.name) + "' must have rank 2 [N, F]");
  if (in.dims[0] != -1)
    reject(origin, "input '" + json::excerpt(in.name) + "' must have a dynamic batch axis, not a fixed " +
                       std::to_string(in.dims[0]));
  return parsed;
}

OnnxSummary check_onnx(std::string_view bytes, const std::string& origin) {
  ParsedModel parsed = parse_onnx(bytes, origin);
  infer_shapes(parsed.graph, parsed.summary.opset, origin, parsed.summary);
  return std::move(parsed.summary);
}

void check_io(const OnnxSummary& model, const std::string& input, std::size_t features, const std::string& output,
              const std::string& origin) {
  if (model.inputs.size() != 1)
    reject(origin, "the graph must have exactly one input, it has " + std::to_string(model.inputs.size()));
  const TensorSpec& in = model.inputs[0];
  if (in.name != input)
    reject(origin, "the graph input is '" + json::excerpt(in.name) + "', the sidecar says '" + json::excerpt(input) + "'");
  if (in.elem_type != 1) reject(origin, "input '" + json::excerpt(in.name) + "' must be float32");
  if (in.dims.size() != 2) reject(origin, "input '" + json::excerpt(in.name) + "' must have rank 2 [N, F]");
  if (in.dims[1] != static_cast<std::int64_t>(features))
    reject(origin, "input '" + json::excerpt(in.name) + "' has " + std::to_string(in.dims[1]) + " features, the sidecar lists " +
                       std::to_string(features));
  const auto it = std::find_if(model.outputs.begin(), model.outputs.end(),
                               [&](const TensorSpec& t) { return t.name == output; });
  if (it == model.outputs.end()) reject(origin, "the graph has no output '" + json::excerpt(output) + "'");
  if (it->elem_type != 1) reject(origin, "output '" + json::excerpt(output) + "' must be float32");
  if (!(it->dims.size() == 1 || (it->dims.size() == 2 && it->dims[1] == 1)))
    reject(origin, "output '" + json::excerpt(output) + "' must be [N] or [N, 1]");
  if (!model.row_outputs.count(output))
    reject(origin, "output '" + json::excerpt(output) + "' does not have one value per input row at every batch size");
}

}  // namespace pvt::dnn
