#include <cmath>
#include <set>

#include "pyvmaf_tiny/dnn.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/json.hpp"

namespace pvt {
namespace {

[[noreturn]] void bad(const std::string& origin, const std::string& msg) {
  throw ModelError("sidecar " + origin + ": " + msg);
}

}  // namespace

Sidecar parse_sidecar(std::string_view text, const std::string& origin) {
  Sidecar s;
  try {
    const json::Value root = json::parse(text);
    const auto& o = root.as_object("the sidecar");
    auto need = [&](const char* key) -> const json::Value& {
      const json::Value* v = root.find(key);
      if (!v) bad(origin, std::string("missing \"") + key + "\"");
      return *v;
    };
    const std::string& schema = need("schema").as_string("schema");
    if (schema != kSidecarSchema) bad(origin, "schema '" + schema + "' is not " + kSidecarSchema);
    s.name = need("name").as_string("name");
    if (s.name.empty()) bad(origin, "name is empty");
    s.kind = need("kind").as_string("kind");
    if (s.kind != "fr_features") bad(origin, "kind '" + s.kind + "' is not supported (fr_features)");
    s.onnx = need("onnx").as_string("onnx");
    if (s.onnx.empty() || s.onnx.find('/') != std::string::npos || s.onnx.find('\\') != std::string::npos ||
        s.onnx == "." || s.onnx == "..")
      bad(origin, "onnx must be a file name beside the sidecar, got '" + s.onnx + "'");
    s.sha256 = need("sha256").as_string("sha256");
    if (s.sha256.size() != 64 || s.sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
      bad(origin, "sha256 must be 64 lower-case hex digits");
    const double opset = need("opset").as_number("opset");
    if (opset != std::floor(opset) || opset < 17 || opset > 21) bad(origin, "opset must be an integer in 17..21");
    s.opset = static_cast<int>(opset);
    if (const json::Value* q = root.find("quant")) {
      s.quant = q->as_string("quant");
      if (s.quant != "fp32" && s.quant != "int8" && s.quant != "int4")
        bad(origin, "quant '" + s.quant + "' is not fp32, int8 or int4");
    }
    const json::Value& input = need("input");
    const json::Value* in_name = input.find("name");
    const json::Value* in_features = input.find("features");
    if (!in_name || !in_features) bad(origin, "input needs \"name\" and \"features\"");
    s.input_name = in_name->as_string("input.name");
    std::set<std::string> seen;
    for (const auto& f : in_features->as_array("input.features")) {
      s.features.push_back(f.as_string("input.features[]"));
      if (!seen.insert(s.features.back()).second) bad(origin, "feature '" + s.features.back() + "' is listed twice");
    }
    if (s.features.empty() || s.features.size() > 256) bad(origin, "input.features must list 1..256 features");
    const json::Value& output = need("output");
    const json::Value* out_name = output.find("name");
    if (!out_name) bad(origin, "output needs \"name\"");
    s.output_name = out_name->as_string("output.name");
    if (const json::Value* range = output.find("range")) {
      const auto& r = range->as_array("output.range");
      if (r.size() != 2) bad(origin, "output.range must be [lo, hi]");
      s.range_lo = r[0].as_number("output.range[0]");
      s.range_hi = r[1].as_number("output.range[1]");
      if (!(s.range_lo < s.range_hi)) bad(origin, "output.range must have lo < hi");
    }
    if (const json::Value* interval = root.find("interval"); interval && !interval->is_null()) {
      const json::Value* hw = interval->find("halfwidth");
      if (!hw) bad(origin, "interval needs \"halfwidth\"");
      const double v = hw->as_number("interval.halfwidth");
      if (!(v >= 0)) bad(origin, "interval.halfwidth must be >= 0");
      s.interval_halfwidth = v;
    }
    (void)o;
  } catch (const json::ParseError& e) {
    bad(origin, e.what());
  }
  return s;
}

}  // namespace pvt
