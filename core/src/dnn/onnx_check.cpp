#include "onnx_check.hpp"

#include <algorithm>
#include <set>

#include "pyvmaf_tiny/errors.hpp"

namespace pvt::dnn {
namespace {

// Protocol-buffers wire format: just enough to walk ModelProto.
class Wire {
 public:
  Wire(std::string_view bytes, const std::string& origin) : p_(bytes), origin_(origin) {}

  bool done() const { return pos_ >= p_.size(); }

  // Reads the next key; returns false at the end.
  bool next(int& field, int& type) {
    if (done()) return false;
    const std::uint64_t key = varint();
    field = static_cast<int>(key >> 3);
    type = static_cast<int>(key & 7);
    if (field <= 0) fail("bad field number");
    return true;
  }

  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (done()) fail("truncated varint");
      const auto b = static_cast<unsigned char>(p_[pos_++]);
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    fail("varint too long");
  }

  std::string_view bytes() {
    const std::uint64_t n = varint();
    if (n > p_.size() - pos_) fail("truncated field");
    const auto out = p_.substr(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return out;
  }

  void skip(int type) {
    switch (type) {
      case 0: varint(); break;
      case 1: advance(8); break;
      case 2: bytes(); break;
      case 5: advance(4); break;
      default: fail("unsupported wire type " + std::to_string(type));
    }
  }

  [[noreturn]] void fail(const std::string& msg) const {
    throw ModelError("model " + origin_ + ": not a valid ONNX file (" + msg + ")");
  }

 private:
  void advance(std::size_t n) {
    if (n > p_.size() - pos_) fail("truncated field");
    pos_ += n;
  }

  std::string_view p_;
  std::size_t pos_ = 0;
  const std::string& origin_;
};

[[noreturn]] void reject(const std::string& origin, const std::string& msg) {
  throw ModelError("model " + origin + ": " + msg);
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
                  Wire d(sh.bytes(), origin);
                  std::int64_t value = -1;
                  while (d.next(f, ty)) {
                    if (f == 1 && ty == 0) value = static_cast<std::int64_t>(d.varint());
                    else d.skip(ty);
                  }
                  t.dims.push_back(value);
                } else {
                  sh.skip(ty);
                }
              }
            } else {
              tt.skip(ty);
            }
          }
        } else if (f >= 1 && ty == 2) {
          reject(origin, "input/output '" + t.name + "' is not a tensor");
        } else {
          tp.skip(ty);
        }
      }
    } else {
      w.skip(ty);
    }
  }
  return t;
}

void check_node(std::string_view bytes, const std::string& origin, std::vector<std::string>& ops) {
  Wire w(bytes, origin);
  std::string op, domain;
  int f, ty;
  while (w.next(f, ty)) {
    if (f == 4 && ty == 2) {
      op = std::string(w.bytes());
    } else if (f == 7 && ty == 2) {
      domain = std::string(w.bytes());
    } else if (f == 5 && ty == 2) {  // AttributeProto: no sub-graphs
      Wire a(w.bytes(), origin);
      while (a.next(f, ty)) {
        if ((f == 6 || f == 11) && ty == 2) reject(origin, "operator " + op + " carries a sub-graph");
        a.skip(ty);
      }
    } else {
      w.skip(ty);
    }
  }
  if (!domain.empty() && domain != "ai.onnx") reject(origin, "operator " + op + " is in custom domain '" + domain + "'");
  const auto& allowed = allowed_ops();
  if (std::find(allowed.begin(), allowed.end(), op) == allowed.end())
    reject(origin, "operator '" + op + "' is not on pyvmaf-tiny's allowlist");
  ops.push_back(op);
}

std::string initializer_name(std::string_view bytes, const std::string& origin) {
  Wire w(bytes, origin);
  std::string name;
  int f, ty;
  while (w.next(f, ty)) {
    if (f == 8 && ty == 2) {
      name = std::string(w.bytes());
    } else if (f == 13) {
      reject(origin, "external tensor data is not allowed");
    } else if (f == 14 && ty == 0) {
      if (w.varint() != 0) reject(origin, "external tensor data is not allowed");
    } else {
      w.skip(ty);
    }
  }
  return name;
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

OnnxSummary check_onnx(std::string_view bytes, const std::string& origin) {
  if (bytes.empty()) reject(origin, "the ONNX file is empty");
  if (bytes.size() > kMaxModelBytes)
    reject(origin, std::to_string(bytes.size()) + " bytes is over the " + std::to_string(kMaxModelBytes >> 20) +
                       " MiB cap for tiny models");
  OnnxSummary out;
  bool have_default_opset = false, have_graph = false;
  std::vector<TensorSpec> inputs;
  std::set<std::string> initializers;
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
      if (!domain.empty() && domain != "ai.onnx") reject(origin, "imports custom operator domain '" + domain + "'");
      have_default_opset = true;
      out.opset = version;
    } else if (f == 7 && ty == 2) {  // graph
      have_graph = true;
      Wire g(m.bytes(), origin);
      while (g.next(f, ty)) {
        if (f == 1 && ty == 2) check_node(g.bytes(), origin, out.op_types);
        else if (f == 5 && ty == 2) initializers.insert(initializer_name(g.bytes(), origin));
        else if (f == 11 && ty == 2) inputs.push_back(value_info(g.bytes(), origin));
        else if (f == 12 && ty == 2) out.outputs.push_back(value_info(g.bytes(), origin));
        else g.skip(ty);
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
    if (!initializers.count(in.name)) out.inputs.push_back(std::move(in));
  return out;
}

void check_io(const OnnxSummary& model, const std::string& input, std::size_t features, const std::string& output,
              const std::string& origin) {
  if (model.inputs.size() != 1)
    reject(origin, "the graph must have exactly one input, it has " + std::to_string(model.inputs.size()));
  const TensorSpec& in = model.inputs[0];
  if (in.name != input) reject(origin, "the graph input is '" + in.name + "', the sidecar says '" + input + "'");
  if (in.elem_type != 1) reject(origin, "input '" + in.name + "' must be float32");
  if (in.dims.size() != 2) reject(origin, "input '" + in.name + "' must have rank 2 [N, F]");
  if (in.dims[1] != static_cast<std::int64_t>(features))
    reject(origin, "input '" + in.name + "' has " + std::to_string(in.dims[1]) + " features, the sidecar lists " +
                       std::to_string(features));
  const auto it = std::find_if(model.outputs.begin(), model.outputs.end(),
                               [&](const TensorSpec& t) { return t.name == output; });
  if (it == model.outputs.end()) reject(origin, "the graph has no output '" + output + "'");
  if (it->elem_type != 1) reject(origin, "output '" + output + "' must be float32");
  if (!(it->dims.size() == 1 || (it->dims.size() == 2 && it->dims[1] == 1)))
    reject(origin, "output '" + output + "' must be [N] or [N, 1]");
}

}  // namespace pvt::dnn
