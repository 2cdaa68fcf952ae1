// Static shape inference of an allowlisted ONNX graph at a given batch size,
// with the values of small integer tensors carried along where shapes depend
// on them (Shape -> Gather -> Concat -> Reshape and the like). Every tensor's
// size is known before ONNX Runtime allocates anything; budgets apply to each.
#include <algorithm>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "onnx_check.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/json.hpp"

namespace pvt::dnn {
namespace {

constexpr std::size_t kMaxValues = 64;               // integer tensors whose values are tracked
constexpr std::size_t kMaxRank = 64;
constexpr std::uint64_t kMaxElements = 1ull << 40;  // beyond this, a product of dimensions is refused
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();

using Dims = std::vector<std::int64_t>;

struct Info {
  Info() = default;
  Info(int t, Dims d, bool known = false, std::vector<std::int64_t> v = {})
      : type(t), dims(std::move(d)), has_values(known), values(std::move(v)) {}
  int type = 0;
  Dims dims;
  bool has_values = false;
  std::vector<std::int64_t> values;
};

int element_bytes(int type) {
  switch (type) {
    case 1: case 6: case 12: return 4;
    case 2: case 3: case 9: case 17: case 18: case 19: case 20: case 21: case 22: case 23: return 1;
    case 4: case 5: case 10: case 16: return 2;
    case 7: case 11: case 13: return 8;
    default: return 0;
  }
}

bool integer_type(int type) { return type == 6 || type == 7; }

std::string dims_text(const Dims& d) {
  std::string out = "[";
  for (std::size_t i = 0; i < d.size(); ++i) out += (i ? ", " : "") + std::to_string(d[i]);
  return out + "]";
}

std::string mib(std::uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

class Inference {
 public:
  Inference(const Graph& g, std::int64_t opset, const std::string& origin, std::int64_t batch)
      : g_(g), opset_(opset), origin_(origin), batch_(batch) {}

  void run(OnnxSummary& summary) {
    for (const auto& [name, t] : g_.initializers) {
      Info info{t.elem_type, t.dims, t.has_values, t.values};
      record(nullptr, name, std::move(info));
    }
    if (g_.inputs.size() != 1 || g_.inputs[0].dims.size() != 2) reject("the graph must have one [N, F] input");
    const TensorSpec& in = g_.inputs[0];
    record(nullptr, in.name, Info{1, {batch_, in.dims[1]}, false, {}});
    for (const Node& n : g_.nodes) infer(n);
    for (const TensorSpec& out : g_.outputs) {
      const auto it = t_.find(out.name);
      if (it == t_.end()) reject("graph output '" + json::excerpt(out.name) + "' is never produced");
      if (count(it->second.dims) == static_cast<std::uint64_t>(batch_)) rows_.insert(out.name);
    }
    summary.max_tensor_bytes = std::max(summary.max_tensor_bytes, largest_);
    summary.max_total_bytes = std::max(summary.max_total_bytes, total_);
  }

  std::set<std::string> rows_;

  std::map<std::string, std::pair<int, std::vector<std::int64_t>>> shapes() const {
    std::map<std::string, std::pair<int, std::vector<std::int64_t>>> out;
    for (const auto& [name, info] : t_) out.emplace(name, std::make_pair(info.type, info.dims));
    return out;
  }

 private:
  [[noreturn]] void reject(const std::string& msg) const { throw ModelError("model " + origin_ + ": " + msg); }

  [[noreturn]] void fail(const Node& n, const std::string& msg) const {
    const std::string& name = !n.name.empty() || n.outputs.empty() ? n.name : n.outputs[0];
    reject("cannot infer the shapes of " + json::excerpt(n.op) + " node '" + json::excerpt(name) + "' at batch " +
           std::to_string(batch_) + ": " + msg);
  }

  // Elements of a tensor of shape `d`. The product of its non-zero
  // dimensions is bounded too, so that no product of any of them overflows
  // (a zero dimension must not excuse [0, 2^62, 2^62]).
  std::uint64_t count(const Dims& d, const Node* n = nullptr) const {
    std::uint64_t nonzero = 1;
    bool zero = false;
    for (const std::int64_t x : d) {
      const char* problem = nullptr;
      if (x < 0) problem = "negative dimension";
      else if (x > 0 && nonzero > kMaxElements / static_cast<std::uint64_t>(x)) problem = "impossibly large";
      if (problem) {
        const std::string msg = std::string(problem) + " in shape " + dims_text(d);
        if (n) fail(*n, msg);
        reject(msg);
      }
      if (x == 0) zero = true;
      else nonzero *= static_cast<std::uint64_t>(x);
    }
    return zero ? 0 : nonzero;
  }

  void record(const Node* n, const std::string& name, Info info) {
    if (name.empty()) return;  // an output the node does not produce
    if (t_.count(name)) reject("tensor '" + json::excerpt(name) + "' is produced twice");
    if (info.dims.size() > kMaxRank)
      reject("tensor '" + json::excerpt(name) + "' would have rank " + std::to_string(info.dims.size()) + ", above " +
             std::to_string(kMaxRank));
    const int size = element_bytes(info.type);
    if (!size) {
      if (n) fail(*n, "unsupported element type " + std::to_string(info.type));
      reject("tensor '" + json::excerpt(name) + "' has unsupported element type " + std::to_string(info.type));
    }
    const std::uint64_t bytes = count(info.dims, n) * static_cast<std::uint64_t>(size);
    if (bytes > kMaxTensorBytes)
      reject("tensor '" + json::excerpt(name) + "' of shape " + dims_text(info.dims) + " would take " + std::to_string(bytes) +
             " bytes at batch " + std::to_string(batch_) + ", over the " + mib(kMaxTensorBytes) + " budget for one tensor");
    total_ += bytes;
    largest_ = std::max(largest_, bytes);
    if (total_ > kMaxTotalBytes)
      reject("its tensors would take more than the " + mib(kMaxTotalBytes) + " budget at batch " +
             std::to_string(batch_) + " (at '" + json::excerpt(name) + "')");
    if (!integer_type(info.type) || info.values.size() != count(info.dims) || info.values.size() > kMaxValues) {
      info.has_values = false;
      info.values.clear();
    }
    t_.emplace(name, std::move(info));
  }

  void out(const Node& n, std::size_t i, Info info) {
    if (i < n.outputs.size()) record(&n, n.outputs[i], std::move(info));
  }

  const Info* opt(const Node& n, std::size_t i) const {
    if (i >= n.inputs.size() || n.inputs[i].empty()) return nullptr;
    const auto it = t_.find(n.inputs[i]);
    if (it == t_.end())
      fail(n, "input '" + json::excerpt(n.inputs[i]) + "' is used before it is produced (the graph must be sorted)");
    return &it->second;
  }

  const Info& in(const Node& n, std::size_t i) const {
    const Info* p = opt(n, i);
    if (!p) fail(n, "input " + std::to_string(i) + " is missing");
    return *p;
  }

  const std::vector<std::int64_t>& values(const Node& n, std::size_t i, const char* what) const {
    const Info& t = in(n, i);
    if (!t.has_values) fail(n, std::string(what) + " must be a small integer tensor known before running the model");
    return t.values;
  }

  std::int64_t attr_int(const Node& n, const char* name, std::int64_t fallback) const {
    const Attribute* a = n.attribute(name);
    return a ? a->i : fallback;
  }

  std::int64_t axis(const Node& n, std::int64_t a, std::size_t rank) const {
    const auto r = static_cast<std::int64_t>(rank);
    if (a < -r || a >= r) fail(n, "axis " + std::to_string(a) + " is out of range for rank " + std::to_string(rank));
    return a < 0 ? a + r : a;
  }

  void outputs_at_most(const Node& n, std::size_t k) const {
    if (n.outputs.size() > k) fail(n, "it has " + std::to_string(n.outputs.size()) + " outputs, at most " +
                                          std::to_string(k) + " are allowed");
  }

  Dims broadcast(const Node& n, const std::vector<const Info*>& ins) const {
    std::size_t rank = 0;
    for (const Info* t : ins) rank = std::max(rank, t->dims.size());
    Dims out(rank, 1);
    for (const Info* t : ins) {
      const std::size_t off = rank - t->dims.size();
      for (std::size_t i = 0; i < t->dims.size(); ++i) {
        const std::int64_t d = t->dims[i];
        std::int64_t& o = out[off + i];
        if (d == o || d == 1) continue;
        if (o == 1) o = d;
        else fail(n, "shapes do not broadcast (" + std::to_string(o) + " vs " + std::to_string(d) + ")");
      }
    }
    return out;
  }

  // a (op) b on int64, refused on overflow.
  std::int64_t integer_op(const Node& n, char op, std::int64_t a, std::int64_t b) const {
    std::int64_t r = 0;
    bool overflow = false;
    switch (op) {
      case '+': overflow = __builtin_add_overflow(a, b, &r); break;
      case '-': overflow = __builtin_sub_overflow(a, b, &r); break;
      case '*': overflow = __builtin_mul_overflow(a, b, &r); break;
      default:
        if (b == 0) fail(n, "integer division by zero");
        overflow = a == kInt64Min && b == -1;
        r = overflow ? 0 : a / b;
    }
    if (overflow) fail(n, "integer overflow in shape arithmetic");
    return r;
  }

  // Element-wise integer arithmetic on tracked values, with broadcasting.
  std::vector<std::int64_t> arithmetic(const Node& n, const std::vector<const Info*>& ins, const Dims& shape) const {
    const std::uint64_t total = count(shape, &n);
    std::vector<std::int64_t> out(total);
    for (std::uint64_t flat = 0; flat < total; ++flat) {
      std::int64_t acc = 0;
      for (std::size_t k = 0; k < ins.size(); ++k) {
        // The element of input k that broadcasts to position `flat`.
        const Info& t = *ins[k];
        std::uint64_t rem = flat, index = 0, stride = 1;
        for (std::size_t d = shape.size(); d-- > 0;) {
          const auto extent = static_cast<std::uint64_t>(shape[d]);
          const std::uint64_t coord = rem % extent;
          rem /= extent;
          const std::size_t off = shape.size() - t.dims.size();
          if (d >= off) {
            const auto td = static_cast<std::uint64_t>(t.dims[d - off]);
            index += (td == 1 ? 0 : coord) * stride;
            stride *= td;
          }
        }
        const std::int64_t v = t.values[index];
        if (k == 0) {
          acc = v;
          continue;
        }
        const std::string& op = n.op;
        if (op == "Add") acc = integer_op(n, '+', acc, v);
        else if (op == "Sub") acc = integer_op(n, '-', acc, v);
        else if (op == "Mul") acc = integer_op(n, '*', acc, v);
        else if (op == "Div") acc = integer_op(n, '/', acc, v);
        else if (op == "Max") acc = std::max(acc, v);
        else if (op == "Min") acc = std::min(acc, v);
      }
      out[flat] = acc;
    }
    return out;
  }

  Dims matmul(const Node& n, Dims a, Dims b) const {
    if (a.empty() || b.empty()) fail(n, "MatMul needs inputs of rank 1 or more");
    const bool a1 = a.size() == 1, b1 = b.size() == 1;
    if (a1) a.insert(a.begin(), 1);
    if (b1) b.push_back(1);
    if (a.back() != b[b.size() - 2])
      fail(n, "inner dimensions differ (" + std::to_string(a.back()) + " vs " + std::to_string(b[b.size() - 2]) + ")");
    Info ba{1, Dims(a.begin(), a.end() - 2)}, bb{1, Dims(b.begin(), b.end() - 2)};
    Dims out = broadcast(n, {&ba, &bb});
    if (!a1) out.push_back(a[a.size() - 2]);
    if (!b1) out.push_back(b.back());
    return out;
  }

  void infer(const Node& n) {
    const std::string& op = n.op;
    if (n.outputs.empty()) fail(n, "it has no outputs");
    if (op == "Constant") return constant(n);
    if (op == "Identity" || op == "Abs" || op == "Neg" || op == "Relu" || op == "Sigmoid" || op == "Tanh" ||
        op == "Exp" || op == "Log" || op == "Sqrt" || op == "Reciprocal" || op == "Softplus" || op == "Elu" ||
        op == "Selu" || op == "LeakyRelu" || op == "HardSigmoid" || op == "Softmax" || op == "Clip") {
      outputs_at_most(n, 1);
      Info x = in(n, 0);
      if (op == "Softmax") axis(n, attr_int(n, "axis", -1), x.dims.size());
      if (op == "Clip") {
        (void)opt(n, 1);
        (void)opt(n, 2);
      }
      if (op == "Neg" || op == "Abs") {
        for (auto& v : x.values) {
          if (v == kInt64Min) fail(n, "integer overflow in shape arithmetic");
          v = op == "Neg" ? -v : std::abs(v);
        }
      } else if (op != "Identity") {
        x.has_values = false;
      }
      return out(n, 0, std::move(x));
    }
    if (op == "Cast") {
      outputs_at_most(n, 1);
      Info x = in(n, 0);
      const Attribute* to = n.attribute("to");
      if (!to) fail(n, "no 'to' attribute");
      const int from = x.type;
      x.type = static_cast<int>(to->i);
      if (!integer_type(from) || !integer_type(x.type)) x.has_values = false;
      else if (x.type == 6)
        for (auto& v : x.values) v = static_cast<std::int32_t>(static_cast<std::uint32_t>(static_cast<std::uint64_t>(v)));
      return out(n, 0, std::move(x));
    }
    if (op == "BatchNormalization") {
      outputs_at_most(n, 1);  // more outputs means training mode
      for (std::size_t i = 1; i < 5; ++i) (void)in(n, i);
      Info x = in(n, 0);
      x.has_values = false;
      return out(n, 0, std::move(x));
    }
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Pow" || op == "Max" || op == "Min") {
      outputs_at_most(n, 1);
      std::vector<const Info*> ins;
      const std::size_t k = (op == "Max" || op == "Min") ? n.inputs.size() : 2;
      if (k == 0) fail(n, "no inputs");
      for (std::size_t i = 0; i < k; ++i) ins.push_back(&in(n, i));
      Info r{ins[0]->type, broadcast(n, ins)};
      const bool all_known = op != "Pow" && std::all_of(ins.begin(), ins.end(), [](const Info* t) { return t->has_values; });
      if (all_known && integer_type(r.type) && count(r.dims, &n) <= kMaxValues) {
        r.values = arithmetic(n, ins, r.dims);
        r.has_values = true;
      }
      return out(n, 0, std::move(r));
    }
    if (op == "MatMul" || op == "MatMulInteger") {
      outputs_at_most(n, 1);
      const Info& a = in(n, 0);
      const Info& b = in(n, 1);
      if (op == "MatMulInteger") {
        (void)opt(n, 2);
        (void)opt(n, 3);
      }
      return out(n, 0, Info{op == "MatMul" ? a.type : 6, matmul(n, a.dims, b.dims)});
    }
    if (op == "QLinearMatMul") {
      outputs_at_most(n, 1);
      for (std::size_t i = 0; i < 8; ++i) (void)in(n, i);
      return out(n, 0, Info{in(n, 7).type, matmul(n, in(n, 0).dims, in(n, 3).dims)});
    }
    if (op == "Gemm") return gemm(n);
    if (op == "Concat") return concat(n);
    if (op == "Flatten") {
      outputs_at_most(n, 1);
      const Info& x = in(n, 0);
      const auto r = static_cast<std::int64_t>(x.dims.size());
      std::int64_t a = attr_int(n, "axis", 1);
      if (a < -r || a > r) fail(n, "axis out of range");
      if (a < 0) a += r;
      std::int64_t lo = 1, hi = 1;
      for (std::int64_t i = 0; i < r; ++i) (i < a ? lo : hi) *= x.dims[static_cast<std::size_t>(i)];
      count(Dims{lo, hi}, &n);
      return out(n, 0, Info{x.type, {lo, hi}});
    }
    if (op == "Gather") return gather(n);
    if (op == "Reshape") return reshape(n);
    if (op == "Shape") {
      outputs_at_most(n, 1);
      const Info& x = in(n, 0);
      const auto r = static_cast<std::int64_t>(x.dims.size());
      std::int64_t start = attr_int(n, "start", 0), end = attr_int(n, "end", r);
      if (start < 0) start += r;
      if (end < 0) end += r;
      start = std::clamp<std::int64_t>(start, 0, r);
      end = std::clamp<std::int64_t>(end, 0, r);
      Info s{7, {std::max<std::int64_t>(0, end - start)}, true, {}};
      for (std::int64_t i = start; i < end; ++i) s.values.push_back(x.dims[static_cast<std::size_t>(i)]);
      return out(n, 0, std::move(s));
    }
    if (op == "Slice") return slice(n);
    if (op == "Squeeze") return squeeze(n);
    if (op == "Unsqueeze") return unsqueeze(n);
    if (op == "Transpose") {
      outputs_at_most(n, 1);
      const Info& x = in(n, 0);
      const std::size_t r = x.dims.size();
      Dims perm;
      if (const Attribute* p = n.attribute("perm")) perm = p->ints;
      else
        for (std::size_t i = r; i-- > 0;) perm.push_back(static_cast<std::int64_t>(i));
      if (perm.size() != r) fail(n, "perm does not match the rank");
      std::vector<bool> seen(r);
      Dims d;
      for (const std::int64_t p : perm) {
        if (p < 0 || p >= static_cast<std::int64_t>(r) || seen[static_cast<std::size_t>(p)]) fail(n, "perm is not a permutation");
        seen[static_cast<std::size_t>(p)] = true;
        d.push_back(x.dims[static_cast<std::size_t>(p)]);
      }
      return out(n, 0, Info{x.type, d});
    }
    if (op == "ReduceMean" || op == "ReduceSum") return reduce(n);
    if (op == "QuantizeLinear") {
      outputs_at_most(n, 1);
      const Info& x = in(n, 0);
      (void)in(n, 1);
      int type = 2;  // uint8
      if (const Info* zp = opt(n, 2)) type = zp->type;
      else if (const std::int64_t t = attr_int(n, "output_dtype", 0)) type = static_cast<int>(t);
      return out(n, 0, Info{type, x.dims});
    }
    if (op == "DequantizeLinear") {
      outputs_at_most(n, 1);
      const Info& x = in(n, 0);
      const Info& scale = in(n, 1);
      (void)opt(n, 2);
      return out(n, 0, Info{scale.type, x.dims});
    }
    if (op == "DynamicQuantizeLinear") {
      outputs_at_most(n, 3);
      const Info& x = in(n, 0);
      const Dims dims = x.dims;
      out(n, 0, Info{2, dims});
      out(n, 1, Info{1, {}});
      return out(n, 2, Info{2, {}});
    }
    fail(n, "no shape rule for this operator");
  }

  void constant(const Node& n) {
    outputs_at_most(n, 1);
    if (n.attributes.size() != 1) fail(n, "a Constant needs exactly one value attribute");
    const Attribute& a = n.attributes[0];
    Info t;
    if (a.name == "value") {
      t = Info{a.tensor.elem_type, a.tensor.dims, a.tensor.has_values, a.tensor.values};
    } else if (a.name == "value_float") {
      t = Info{1, {}};
    } else if (a.name == "value_floats") {
      t = Info{1, {static_cast<std::int64_t>(a.count)}};
    } else if (a.name == "value_int") {
      t = Info{7, {}, true, {a.i}};
    } else if (a.name == "value_ints") {
      t = Info{7, {static_cast<std::int64_t>(a.ints.size())}, true, a.ints};
    } else {
      fail(n, "unsupported Constant attribute '" + json::excerpt(a.name) + "'");
    }
    out(n, 0, std::move(t));
  }

  void gemm(const Node& n) {
    outputs_at_most(n, 1);
    const Info& a = in(n, 0);
    const Info& b = in(n, 1);
    if (a.dims.size() != 2 || b.dims.size() != 2) fail(n, "Gemm needs 2-D inputs");
    const bool ta = attr_int(n, "transA", 0) != 0, tb = attr_int(n, "transB", 0) != 0;
    const std::int64_t m = ta ? a.dims[1] : a.dims[0], k = ta ? a.dims[0] : a.dims[1];
    const std::int64_t kb = tb ? b.dims[1] : b.dims[0], nn = tb ? b.dims[0] : b.dims[1];
    if (k != kb) fail(n, "inner dimensions differ (" + std::to_string(k) + " vs " + std::to_string(kb) + ")");
    Info r{a.type, {m, nn}};
    if (const Info* c = opt(n, 2)) {
      if (c->dims.size() > 2 || broadcast(n, {c, &r}) != r.dims) fail(n, "C does not broadcast to [M, N]");
    }
    out(n, 0, std::move(r));
  }

  void concat(const Node& n) {
    outputs_at_most(n, 1);
    if (n.inputs.empty()) fail(n, "no inputs");
    const Info& first = in(n, 0);
    if (first.dims.empty()) fail(n, "Concat needs inputs of rank 1 or more");
    const auto a = static_cast<std::size_t>(axis(n, attr_int(n, "axis", kInt64Min), first.dims.size()));
    Info r{first.type, first.dims, true, {}};
    r.dims[a] = 0;
    for (std::size_t i = 0; i < n.inputs.size(); ++i) {
      const Info& t = in(n, i);
      if (t.dims.size() != first.dims.size()) fail(n, "inputs differ in rank");
      for (std::size_t d = 0; d < t.dims.size(); ++d)
        if (d != a && t.dims[d] != first.dims[d]) fail(n, "inputs differ outside the axis");
      r.dims[a] = integer_op(n, '+', r.dims[a], t.dims[a]);
      if (t.has_values && t.dims.size() == 1) r.values.insert(r.values.end(), t.values.begin(), t.values.end());
      else r.has_values = false;
    }
    out(n, 0, std::move(r));
  }

  void gather(const Node& n) {
    outputs_at_most(n, 1);
    const Info& data = in(n, 0);
    const Info& idx = in(n, 1);
    if (data.dims.empty()) fail(n, "Gather needs data of rank 1 or more");
    const auto a = static_cast<std::size_t>(axis(n, attr_int(n, "axis", 0), data.dims.size()));
    const std::int64_t extent = data.dims[a];
    if (idx.has_values)
      for (const std::int64_t v : idx.values)
        if (v < -extent || v >= extent) fail(n, "index " + std::to_string(v) + " is out of range");
    Info r{data.type, Dims(data.dims.begin(), data.dims.begin() + static_cast<std::ptrdiff_t>(a))};
    r.dims.insert(r.dims.end(), idx.dims.begin(), idx.dims.end());
    r.dims.insert(r.dims.end(), data.dims.begin() + static_cast<std::ptrdiff_t>(a) + 1, data.dims.end());
    if (data.has_values && idx.has_values && data.dims.size() == 1) {
      r.has_values = true;
      for (const std::int64_t v : idx.values) r.values.push_back(data.values[static_cast<std::size_t>(v < 0 ? v + extent : v)]);
    }
    out(n, 0, std::move(r));
  }

  void reshape(const Node& n) {
    outputs_at_most(n, 1);
    const Info& x = in(n, 0);
    const Info& shape_t = in(n, 1);
    const auto& shape = values(n, 1, "the target shape");
    if (shape_t.dims.size() != 1) fail(n, "the target shape must be 1-D");
    const bool allowzero = attr_int(n, "allowzero", 0) != 0;
    Dims d;
    int infer_at = -1;
    std::uint64_t known = 1;
    for (std::size_t i = 0; i < shape.size(); ++i) {
      std::int64_t v = shape[i];
      if (v == 0 && !allowzero) {
        if (i >= x.dims.size()) fail(n, "a 0 in the target shape has no input dimension to copy");
        v = x.dims[i];
      }
      if (v == -1) {
        if (infer_at >= 0) fail(n, "more than one -1 in the target shape");
        infer_at = static_cast<int>(i);
        d.push_back(1);
        continue;
      }
      if (v < 0) fail(n, "negative target dimension " + std::to_string(v));
      d.push_back(v);
      known = count(Dims{static_cast<std::int64_t>(known), v}, &n);
    }
    const std::uint64_t total = count(x.dims, &n);
    if (infer_at >= 0) {
      if (known == 0 || total % known != 0) fail(n, "cannot reshape " + dims_text(x.dims) + " to " + dims_text(shape));
      d[static_cast<std::size_t>(infer_at)] = static_cast<std::int64_t>(total / known);
    } else if (known != total) {
      fail(n, "cannot reshape " + dims_text(x.dims) + " to " + dims_text(shape));
    }
    out(n, 0, Info{x.type, d, x.has_values, x.values});
  }

  void slice(const Node& n) {
    outputs_at_most(n, 1);
    const Info& x = in(n, 0);
    const auto& starts = values(n, 1, "starts");
    const auto& ends = values(n, 2, "ends");
    if (starts.size() != ends.size()) fail(n, "starts and ends differ in length");
    std::vector<std::int64_t> axes, steps(starts.size(), 1);
    if (opt(n, 3)) axes = values(n, 3, "axes");
    else
      for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<std::int64_t>(i));
    if (opt(n, 4)) steps = values(n, 4, "steps");
    if (axes.size() != starts.size() || steps.size() != starts.size()) fail(n, "axes or steps differ in length");
    Dims d = x.dims;
    std::vector<bool> seen(d.size());
    // Per axis: first index, step and length, for slicing tracked values.
    std::vector<std::int64_t> first(d.size(), 0), step(d.size(), 1);
    for (std::size_t i = 0; i < starts.size(); ++i) {
      const auto a = static_cast<std::size_t>(axis(n, axes[i], d.size()));
      if (seen[a]) fail(n, "an axis is repeated");
      seen[a] = true;
      const std::int64_t dim = x.dims[a], s = steps[i];
      if (s == 0 || s == kInt64Min) fail(n, "bad step");
      std::int64_t b = starts[i], e = ends[i];
      if (b < 0) b += dim;  // cannot overflow: b < 0 <= dim
      if (e < 0) e += dim;
      std::int64_t len;
      if (s > 0) {
        b = std::clamp<std::int64_t>(b, 0, dim);
        e = std::clamp<std::int64_t>(e, 0, dim);
        len = e > b ? (e - b + s - 1) / s : 0;
      } else {
        b = std::clamp<std::int64_t>(b, -1, dim - 1);
        e = std::clamp<std::int64_t>(e, -1, dim - 1);
        len = b > e ? (b - e + (-s) - 1) / (-s) : 0;
      }
      d[a] = len;
      first[a] = b;
      step[a] = s;
    }
    Info r{x.type, d};
    if (x.has_values && x.dims.size() == 1) {
      r.has_values = true;
      for (std::int64_t i = 0; i < d[0]; ++i) r.values.push_back(x.values[static_cast<std::size_t>(first[0] + i * step[0])]);
    }
    out(n, 0, std::move(r));
  }

  void squeeze(const Node& n) {
    outputs_at_most(n, 1);
    const Info& x = in(n, 0);
    std::vector<bool> drop(x.dims.size());
    if (opt(n, 1)) {
      for (const std::int64_t a : values(n, 1, "axes")) {
        const auto i = static_cast<std::size_t>(axis(n, a, x.dims.size()));
        if (x.dims[i] != 1) fail(n, "cannot squeeze a dimension of " + std::to_string(x.dims[i]));
        drop[i] = true;
      }
    } else {
      for (std::size_t i = 0; i < x.dims.size(); ++i) drop[i] = x.dims[i] == 1;
    }
    Info r{x.type, {}, x.has_values, x.values};
    for (std::size_t i = 0; i < x.dims.size(); ++i)
      if (!drop[i]) r.dims.push_back(x.dims[i]);
    out(n, 0, std::move(r));
  }

  void unsqueeze(const Node& n) {
    outputs_at_most(n, 1);
    const Info& x = in(n, 0);
    const auto& axes = values(n, 1, "axes");
    const std::size_t rank = x.dims.size() + axes.size();
    if (rank > 64) fail(n, "rank above 64");
    std::vector<bool> ones(rank);
    for (const std::int64_t a : axes) {
      const auto i = static_cast<std::size_t>(axis(n, a, rank));
      if (ones[i]) fail(n, "an axis is repeated");
      ones[i] = true;
    }
    Info r{x.type, {}, x.has_values, x.values};
    std::size_t k = 0;
    for (std::size_t i = 0; i < rank; ++i) r.dims.push_back(ones[i] ? 1 : x.dims[k++]);
    out(n, 0, std::move(r));
  }

  void reduce(const Node& n) {
    outputs_at_most(n, 1);
    const Info& x = in(n, 0);
    const bool axes_as_input = n.op == "ReduceSum" || opset_ >= 18;
    std::vector<std::int64_t> axes;
    if (axes_as_input) {
      if (opt(n, 1)) axes = values(n, 1, "axes");
    } else if (const Attribute* a = n.attribute("axes")) {
      axes = a->ints;
    }
    const bool keep = attr_int(n, "keepdims", 1) != 0;
    if (axes.empty() && axes_as_input && attr_int(n, "noop_with_empty_axes", 0) != 0) {
      Info r{x.type, x.dims};
      return out(n, 0, std::move(r));
    }
    std::vector<bool> reduced(x.dims.size(), axes.empty());
    for (const std::int64_t a : axes) reduced[static_cast<std::size_t>(axis(n, a, x.dims.size()))] = true;
    Info r{x.type, {}};
    for (std::size_t i = 0; i < x.dims.size(); ++i) {
      if (!reduced[i]) r.dims.push_back(x.dims[i]);
      else if (keep) r.dims.push_back(1);
    }
    out(n, 0, std::move(r));
  }

  const Graph& g_;
  std::int64_t opset_;
  const std::string& origin_;
  std::int64_t batch_;
  std::map<std::string, Info, std::less<>> t_;
  std::uint64_t total_ = 0, largest_ = 0;
};

}  // namespace

void infer_shapes(const Graph& graph, std::int64_t opset, const std::string& origin, OnnxSummary& summary) {
  bool first = true;
  for (const std::int64_t batch : batch_sizes()) {
    Inference pass(graph, opset, origin, batch);
    pass.run(summary);
    if (first) {
      summary.row_outputs = pass.rows_;
      first = false;
    } else {
      std::set<std::string> both;
      for (const auto& name : summary.row_outputs)
        if (pass.rows_.count(name)) both.insert(name);
      summary.row_outputs = std::move(both);
    }
  }
}

std::map<std::string, std::pair<int, std::vector<std::int64_t>>> tensor_shapes(const Graph& graph, std::int64_t opset,
                                                                               const std::string& origin,
                                                                               std::int64_t batch) {
  OnnxSummary ignored;
  Inference pass(graph, opset, origin, batch);
  pass.run(ignored);
  return pass.shapes();
}

}  // namespace pvt::dnn
