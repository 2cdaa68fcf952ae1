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

// A plain file name that cannot leave the sidecar's directory or change
// meaning on the way to the OS: no separators, no "."/"..", no control bytes.
bool plain_file_name(std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.size() > 255) return false;
  for (const char c : name)
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return false;
  return true;
}

}  // namespace

Sidecar sidecar_from_document(const json::Value& root, const std::string& origin) {
  Sidecar s;
  try {
    root.as_object("the sidecar");
    auto need = [&](const char* key) -> json::Value {
      const json::Value v = root.find(key);
      if (!v.present()) bad(origin, std::string("missing \"") + key + "\"");
      return v;
    };
    const std::string_view schema = need("schema").as_string("schema");
    if (schema == kSidecarSchema) s.schema = 1;
    else if (schema == kSidecarSchemaV2) s.schema = 2;
    else bad(origin, "schema '" + json::excerpt(schema) + "' is not " + kSidecarSchema + " or " + kSidecarSchemaV2);
    s.name = std::string(need("name").as_string("name"));
    if (s.name.empty()) bad(origin, "name is empty");
    s.kind = std::string(need("kind").as_string("kind"));
    if (s.kind != "fr_features") bad(origin, "kind '" + json::excerpt(s.kind) + "' is not supported (fr_features)");
    s.onnx = std::string(need("onnx").as_string("onnx"));
    if (!plain_file_name(s.onnx))
      bad(origin, "onnx must be a plain file name beside the sidecar, got '" + json::excerpt(s.onnx) + "'");
    s.sha256 = std::string(need("sha256").as_string("sha256"));
    if (s.sha256.size() != 64 || s.sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
      bad(origin, "sha256 must be 64 lower-case hex digits");
    const double opset = need("opset").as_number("opset");
    if (opset != std::floor(opset) || opset < 17 || opset > 21) bad(origin, "opset must be an integer in 17..21");
    s.opset = static_cast<int>(opset);
    if (const json::Value q = root.find("quant"); q.present()) {
      s.quant = std::string(q.as_string("quant"));
      if (s.quant != "fp32" && s.quant != "int8" && s.quant != "int4")
        bad(origin, "quant '" + json::excerpt(s.quant) + "' is not fp32, int8 or int4");
    }
    const json::Value input = need("input");
    const json::Value in_name = input.find("name");
    const json::Value in_features = input.find("features");
    if (!in_name.present() || !in_features.present()) bad(origin, "input needs \"name\" and \"features\"");
    s.input_name = std::string(in_name.as_string("input.name"));
    const json::ArrayView features = in_features.as_array("input.features");
    if (features.empty() || features.size() > 256) bad(origin, "input.features must list 1..256 features");
    std::set<std::string> seen;
    for (const json::Value f : features) {
      s.features.emplace_back(f.as_string("input.features[]"));
      if (!seen.insert(s.features.back()).second)
        bad(origin, "feature '" + json::excerpt(s.features.back()) + "' is listed twice");
    }
    const json::Value output = need("output");
    const json::Value out_name = output.find("name");
    if (!out_name.present()) bad(origin, "output needs \"name\"");
    s.output_name = std::string(out_name.as_string("output.name"));
    if (const json::Value range = output.find("range"); range.present()) {
      const json::ArrayView r = range.as_array("output.range");
      if (r.size() != 2) bad(origin, "output.range must be [lo, hi]");
      s.range_lo = r[0].as_number("output.range[0]");
      s.range_hi = r[1].as_number("output.range[1]");
      if (!(s.range_lo < s.range_hi)) bad(origin, "output.range must have lo < hi");
    }
    if (const json::Value interval = root.find("interval"); interval.present() && !interval.is_null()) {
      interval.as_object("interval");
      const json::Value hw = interval.find("halfwidth");
      const json::Value scale = interval.find("scale_output");
      if (const json::Value alpha = interval.find("alpha"); alpha.present()) {
        s.interval_alpha = alpha.as_number("interval.alpha");
        if (!(s.interval_alpha > 0 && s.interval_alpha < 1))
          bad(origin, "interval.alpha must be in (0, 1): the interval covers 1 - alpha of frames");
      }
      if (scale.present()) {
        if (s.schema < 2) bad(origin, "interval.scale_output needs schema " + std::string(kSidecarSchemaV2));
        s.interval_scale_output = std::string(scale.as_string("interval.scale_output"));
        if (s.interval_scale_output.empty() || s.interval_scale_output == s.output_name ||
            s.interval_scale_output == s.input_name)
          bad(origin, "interval.scale_output must name a graph output other than the score");
        const json::Value q = interval.find("quantile");
        if (!q.present()) bad(origin, "interval.scale_output needs \"quantile\"");
        s.interval_quantile = q.as_number("interval.quantile");
        if (!(s.interval_quantile >= 0) || s.interval_quantile > 1e6)
          bad(origin, "interval.quantile must be in [0, 1e6]");
      } else {
        if (!hw.present()) bad(origin, "interval needs \"halfwidth\" (or, schema 2, \"scale_output\")");
        const double v = hw.as_number("interval.halfwidth");
        if (!(v >= 0)) bad(origin, "interval.halfwidth must be >= 0");
        s.interval_halfwidth = v;
      }
    }
  } catch (const json::ParseError& e) {
    bad(origin, e.what());
  }
  return s;
}

Sidecar parse_sidecar(std::string_view text, const std::string& origin) {
  json::Document doc;
  try {
    doc = json::parse(text);
  } catch (const json::ParseError& e) {
    bad(origin, e.what());
  }
  return sidecar_from_document(doc.root(), origin);
}

}  // namespace pvt
