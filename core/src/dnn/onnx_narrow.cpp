// narrow_float64(): the float32 twin of a graph widened to float64 by Casts.
#include <string>
#include <vector>

#include "onnx_check.hpp"
#include "proto_wire.hpp"

namespace pvt::dnn {
namespace {

constexpr std::uint64_t kDouble = 11;
constexpr char kFloatByte = 1;  // the varint of TensorProto FLOAT

struct Scan {
  const char* base = nullptr;
  std::vector<std::size_t> casts;  // offsets of the one-byte `to` values to rewrite
  bool other = false;              // float64 reached the graph some other way
};

class Narrower {
 public:
  Narrower(std::string_view bytes, const std::string& origin) : bytes_(bytes), origin_(origin) {
    scan_.base = bytes.data();
  }

  Scan run() {
    Wire w(bytes_, origin_);
    int f, t;
    while (w.next(f, t)) {
      if (f == 7 && t == 2) graph(w.bytes());
      else if (f == 25) scan_.other = true, w.skip(t);  // functions: not walked, so not narrowed
      else w.skip(t);
    }
    return scan_;
  }

 private:
  void graph(std::string_view b) {
    Wire w(b, origin_);
    int f, t;
    while (w.next(f, t)) {
      if (t != 2) {
        w.skip(t);
        continue;
      }
      const std::string_view v = w.bytes();
      if (f == 1) node(v);
      else if (f == 5) tensor(v);
      else if (f == 11 || f == 12 || f == 13) value_info(v);
      else if (f == 15) scan_.other = true;  // sparse initializers are not walked
    }
  }

  void node(std::string_view b) {
    Wire w(b, origin_);
    int f, t;
    std::string_view op, domain;
    std::vector<std::size_t> to_offsets;  // `to` attributes holding float64
    bool dtype64 = false;
    while (w.next(f, t)) {
      if (t != 2) {
        w.skip(t);
        continue;
      }
      const std::string_view v = w.bytes();
      if (f == 4) op = v;
      else if (f == 7) domain = v;
      else if (f == 5) attribute(v, to_offsets, dtype64);
    }
    if (op == "Cast" && domain.empty()) scan_.casts.insert(scan_.casts.end(), to_offsets.begin(), to_offsets.end());
    else if (!to_offsets.empty() || dtype64) scan_.other = true;
  }

  void attribute(std::string_view b, std::vector<std::size_t>& to_offsets, bool& dtype64) {
    Wire w(b, origin_);
    int f, t;
    std::string_view name;
    bool is_double = false;
    const char* at = nullptr;
    bool one_byte = false;
    while (w.next(f, t)) {
      if (f == 1 && t == 2) {
        name = w.bytes();
      } else if (f == 3 && t == 0) {
        at = w.cursor();
        const std::uint64_t v = w.varint();
        is_double = v == kDouble;
        one_byte = w.cursor() - at == 1;
      } else if ((f == 5 || f == 11) && t == 2) {
        tensor(w.bytes());
      } else if ((f == 14 || f == 15) && t == 2) {
        type(w.bytes());
      } else if (f == 6 || f == 10 || f == 22 || f == 23) {  // sub-graphs and sparse tensors: not walked
        scan_.other = true;
        w.skip(t);
      } else {
        w.skip(t);
      }
    }
    if (!is_double) return;
    if (name == "to" && one_byte) to_offsets.push_back(static_cast<std::size_t>(at - scan_.base));
    else if (name == "to" || name == "dtype") dtype64 = true;
  }

  void tensor(std::string_view b) {
    Wire w(b, origin_);
    int f, t;
    while (w.next(f, t)) {
      if (f == 2 && t == 0) {
        if (w.varint() == kDouble) scan_.other = true;
      } else {
        w.skip(t);
      }
    }
  }

  void value_info(std::string_view b) {
    Wire w(b, origin_);
    int f, t;
    while (w.next(f, t)) {
      if (f == 2 && t == 2) type(w.bytes());
      else w.skip(t);
    }
  }

  // TypeProto: tensor (1) and sparse tensor (8) carry elem_type (1); sequence
  // (4), optional (9) and map (5) nest further types.
  void type(std::string_view b, int depth = 0) {
    if (depth > 16) {
      scan_.other = true;
      return;
    }
    Wire w(b, origin_);
    int f, t;
    while (w.next(f, t)) {
      if (t != 2) {
        w.skip(t);
        continue;
      }
      const std::string_view v = w.bytes();
      Wire inner(v, origin_);
      int g, u;
      while (inner.next(g, u)) {
        if ((f == 1 || f == 8 || f == 5) && g == 1 && u == 0) {
          if (inner.varint() == kDouble) scan_.other = true;
        } else if (((f == 4 || f == 9) && g == 1 && u == 2) || (f == 5 && g == 2 && u == 2)) {
          type(inner.bytes(), depth + 1);
        } else {
          inner.skip(u);
        }
      }
    }
  }

  std::string_view bytes_;
  const std::string& origin_;
  Scan scan_;
};

}  // namespace

std::optional<std::string> narrow_float64(std::string_view bytes, const std::string& origin) {
  const Scan scan = Narrower(bytes, origin).run();
  if (scan.other || scan.casts.empty()) return std::nullopt;
  std::string out(bytes);
  for (const std::size_t at : scan.casts) out[at] = kFloatByte;
  return out;
}

}  // namespace pvt::dnn
