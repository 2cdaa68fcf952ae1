#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "../common/exact_math.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/json.hpp"
#include "pyvmaf_tiny/model.hpp"
#include "pyvmaf_tiny/registry.hpp"

namespace pvt {
namespace {

[[noreturn]] void bad(const std::string& origin, const std::string& msg) {
  throw ModelError("model " + origin + ": " + msg);
}

// "VMAF_integer_feature_adm2_score" -> "integer_adm2"; alias names pass through.
// A model's long feature name as the extractors write it: libvmaf's models
// name features "<family prefix><name>_score"; integer ones log as integer_<name>.
std::string alias_of(const std::string& name) {
  static constexpr std::pair<std::string_view, std::string_view> kFamilies[] = {
      {"VMAF_integer_feature_", "integer_"}, {"VMAF_feature_", ""}, {"Cambi_feature_", ""},
      {"Speed_chroma_feature_", ""},         {"Speed_temporal_feature_", ""}};
  const std::string_view suffix = "_score";
  for (const auto& [prefix, log_prefix] : kFamilies)
    if (name.rfind(prefix, 0) == 0 && name.size() > prefix.size() + suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      return std::string(log_prefix) + name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  return name;
}

// A number as option text: the shortest form that reads back exactly.
std::string option_text(const json::Value& v, const std::string& origin) {
  if (v.is_bool()) return v.as_bool("") ? "true" : "false";
  if (v.is_string()) return std::string(v.as_string(""));
  if (v.is_number()) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v.as_number(""));
    return std::string(buf, r.ptr);
  }
  bad(origin, "feature_opts_dicts values must be numbers, booleans or strings");
}

// Locale-independent: the libsvm text is always written with '.' decimals.
double parse_double(std::string_view s, const std::string& origin, const char* what) {
  double v = 0.0;
  const char* first = s.data();
  const char* last = s.data() + s.size();
  if (s.size() > 1 && s[0] == '+' && s[1] != '-') ++first;  // strtod-style "+1"
  const auto r = std::from_chars(first, last, v, std::chars_format::general);
  if (s.empty() || r.ec != std::errc() || r.ptr != last || !std::isfinite(v))
    bad(origin, std::string("libsvm model: bad ") + what + " '" + json::excerpt(s) + "'");
  return v;
}

// Splits libsvm text into lines and whitespace-separated tokens, without copies.
class Tokens {
 public:
  explicit Tokens(std::string_view line) : s_(line) {}
  bool next(std::string_view& tok) {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r')) ++pos_;
    if (pos_ >= s_.size()) return false;
    const std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != ' ' && s_[pos_] != '\t' && s_[pos_] != '\r') ++pos_;
    tok = s_.substr(start, pos_ - start);
    return true;
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

double require_finite_score(double score, const std::string& origin, std::size_t row) {
  if (!std::isfinite(score))
    throw ModelError("model " + origin + ": its score is not a finite number for frame row " + std::to_string(row) +
                     " (" + (std::isnan(score) ? "nan" : score > 0 ? "inf" : "-inf") + ")");
  return score;
}

SvmModel SvmModel::from_json(std::string_view text, const std::string& origin, ModelFlags flags) {
  json::Document doc;
  try {
    doc = json::parse(text);
  } catch (const json::ParseError& e) {
    bad(origin, e.what());
  }
  return from_document(doc.root(), origin, flags);
}

SvmModel SvmModel::from_document(const json::Value& root, const std::string& origin, ModelFlags flags) {
  SvmModel m;
  m.origin_ = origin;
  try {
    const json::Value dict = root.find("model_dict");
    if (!dict.present()) bad(origin, "no \"model_dict\" (is this a libvmaf JSON model?)");
    const json::ObjectView md = dict.as_object("model_dict");
    auto need = [&](const char* key) -> json::Value {
      const json::Value v = md.find(key);
      if (!v.present()) bad(origin, std::string("model_dict has no \"") + key + "\"");
      return v;
    };

    m.type_ = std::string(need("model_type").as_string("model_type"));
    if (m.type_ != "LIBSVMNUSVR" && m.type_ != "BOOTSTRAP_LIBSVMNUSVR" && m.type_ != "RESIDUEBOOTSTRAP_LIBSVMNUSVR")
      bad(origin, "model_type '" + json::excerpt(m.type_) +
                      "' is not supported (LIBSVMNUSVR, BOOTSTRAP_LIBSVMNUSVR or RESIDUEBOOTSTRAP_LIBSVMNUSVR)");

    const json::ArrayView names = need("feature_names").as_array("feature_names");
    if (names.empty() || names.size() > 64) bad(origin, "feature_names must list 1..64 features");
    json::ArrayView opts = names;  // feature_opts_dicts, when there is one
    bool have_opts = false;
    if (const json::Value o = md.find("feature_opts_dicts"); o.present()) {
      opts = o.as_array("feature_opts_dicts");
      have_opts = true;
      if (opts.size() > names.size()) bad(origin, "more feature_opts_dicts than feature_names");
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
      ModelFeature f;
      f.source_name = std::string(names[i].as_string("feature_names[]"));
      const auto& catalog = extractor_catalog();
      auto provider = [&](const std::string& feature) {
        return std::find_if(catalog.begin(), catalog.end(), [&](const ExtractorInfo& e) {
          return std::find(e.features.begin(), e.features.end(), feature) != e.features.end();
        });
      };
      // Catalog names are libvmaf's output names; models may also use the long form.
      const std::string alias = provider(f.source_name) != catalog.end() ? f.source_name : alias_of(f.source_name);
      const auto info = provider(alias);
      if (info == catalog.end())
        bad(origin, "feature '" + json::excerpt(f.source_name) + "' is not provided by any pyvmaf-tiny extractor");
      f.extractor = info->name;
      if (have_opts && i < opts.size()) {
        for (const auto& [k, v] : opts[i].as_object("feature_opts_dicts[]")) {
          // A model file is data: it may not make the run write files.
          if (std::find(info->writing_options.begin(), info->writing_options.end(), k) != info->writing_options.end())
            bad(origin, "feature '" + json::excerpt(f.source_name) + "': " + std::string(k) +
                            " writes files, which a model file may not ask for; give it with --feature " +
                            info->name + ":" + std::string(k) + "=DIR");
          f.options[std::string(k)] = option_text(v, origin);
        }
      }
      if (auto implied = info->feature_options.find(alias); implied != info->feature_options.end())
        f.options.insert(implied->second.begin(), implied->second.end());
      // The column is the extractor's name for this feature under these
      // options; provides() lists features in catalog order.
      std::unique_ptr<Extractor> proto;
      try {
        proto = make_extractor(f.extractor, f.options);
      } catch (const InputError& e) {
        bad(origin, std::string("feature '") + f.source_name + "': " + e.what());
      }
      const auto pos = std::find(info->features.begin(), info->features.end(), alias) - info->features.begin();
      f.column = proto->provides().at(static_cast<std::size_t>(pos));
      m.features_.push_back(std::move(f));
    }

    const std::string_view norm = need("norm_type").as_string("norm_type");
    if (norm == "linear_rescale") {
      m.linear_rescale_ = true;
      const json::ArrayView slopes = need("slopes").as_array("slopes");
      const json::ArrayView intercepts = need("intercepts").as_array("intercepts");
      if (slopes.size() != names.size() + 1 || intercepts.size() != names.size() + 1)
        bad(origin, "slopes and intercepts need one entry for the score plus one per feature");
      m.slope_ = slopes[0].as_number("slopes[]");
      m.intercept_ = intercepts[0].as_number("intercepts[]");
      if (m.slope_ == 0.0) bad(origin, "slopes[0] must not be zero");
      for (std::size_t i = 0; i < names.size(); ++i) {
        m.features_[i].slope = slopes[i + 1].as_number("slopes[]");
        m.features_[i].intercept = intercepts[i + 1].as_number("intercepts[]");
      }
    } else if (norm != "none") {
      bad(origin, "norm_type '" + json::excerpt(norm) + "' is not supported (linear_rescale or none)");
    }

    if (const json::Value c = md.find("chroma_correction_parameter"); c.present()) {
      // libvmaf's chroma-from-luma correction: a SpEED-chroma value of exactly
      // 0 (no chroma detail) is replaced by c * (1 - adm3) before prediction.
      m.chroma_correction_ = c.as_number("chroma_correction_parameter");
      if (m.chroma_correction_ == 0.0)
        bad(origin, "chroma_correction_parameter 0 is refused (libvmaf writes no score with it)");
      const auto only = [&](std::string_view part) {
        std::size_t found = names.size();
        for (std::size_t i = 0; i < names.size(); ++i)
          if (m.features_[i].source_name.find(part) != std::string::npos) {
            if (found != names.size())
              bad(origin, "chroma_correction_parameter needs one feature named with '" + std::string(part) +
                              "', the model has several");
            found = i;
          }
        if (found == names.size())
          bad(origin, "chroma_correction_parameter needs a feature named with '" + std::string(part) + "'");
        return found;
      };
      m.correction_guide_ = only("adm3");
      m.correction_target_ = only("speed_chroma");
    }

    if (const json::Value clip = md.find("score_clip"); clip.present() && !flags.disable_clip) {
      const json::ArrayView c = clip.as_array("score_clip");
      if (c.size() != 2) bad(origin, "score_clip must be [min, max]");
      m.clip_ = true;
      m.clip_lo_ = c[0].as_number("score_clip[0]");
      m.clip_hi_ = c[1].as_number("score_clip[1]");
    }

    if (const json::Value st_value = md.find("score_transform"); st_value.present()) {
      const json::ObjectView st = st_value.as_object("score_transform");
      m.transform_ = flags.enable_transform;
      for (const auto& [k, v] : st) {
        if (k == "enabled") {
          m.transform_ = m.transform_ || v.as_bool("score_transform.enabled");
        } else if (k == "p0" || k == "p1" || k == "p2") {
          if (v.is_null()) continue;
          const double c = v.as_number("score_transform." + std::string(k));
          if (k == "p0") m.poly_.p0 = true, m.poly_.c0 = c;
          if (k == "p1") m.poly_.p1 = true, m.poly_.c1 = c;
          if (k == "p2") m.poly_.p2 = true, m.poly_.c2 = c;
        } else if (k == "knots") {
          if (v.is_null()) continue;
          const json::ArrayView knots = v.as_array("score_transform.knots");
          if (knots.size() > 4096) bad(origin, "score_transform.knots lists more than 4096 knots");
          for (const json::Value pt : knots) {
            const json::ArrayView xy = pt.as_array("score_transform.knots[]");
            if (xy.size() != 2) bad(origin, "each knot must be [x, y]");
            m.knots_.emplace_back(xy[0].as_number("knot x"), xy[1].as_number("knot y"));
          }
          if (m.knots_.size() < 2) bad(origin, "score_transform.knots needs at least two knots");
          for (std::size_t i = 0; i + 1 < m.knots_.size(); ++i)
            if (!(m.knots_[i].first < m.knots_[i + 1].first && m.knots_[i].second <= m.knots_[i + 1].second))
              bad(origin, "score_transform.knots must increase");
        } else if (k == "out_lte_in") {
          m.out_lte_in_ = v.as_string("score_transform.out_lte_in") == "true";
        } else if (k == "out_gte_in") {
          m.out_gte_in_ = v.as_string("score_transform.out_gte_in") == "true";
        }
      }
    }

    // The libsvm text model.
    const std::string_view text = need("model").as_string("model");
    bool nu_svr = false, rbf = false, have_rho = false, in_sv = false;
    std::size_t line_start = 0;
    m.sv_start_.push_back(0);
    while (line_start < text.size()) {
      std::size_t line_end = text.find('\n', line_start);
      if (line_end == std::string_view::npos) line_end = text.size();
      Tokens tokens(text.substr(line_start, line_end - line_start));
      line_start = line_end + 1;
      std::string_view tok;
      if (!tokens.next(tok)) continue;  // a blank line
      if (!in_sv) {
        std::string_view val;
        const bool has_val = tokens.next(val);
        if (tok == "svm_type") nu_svr = has_val && (val == "nu_svr" || val == "epsilon_svr");
        else if (tok == "kernel_type") rbf = has_val && val == "rbf";
        else if (tok == "gamma") m.gamma_ = parse_double(has_val ? val : "", origin, "gamma");
        else if (tok == "rho") m.rho_ = parse_double(has_val ? val : "", origin, "rho"), have_rho = true;
        else if (tok == "SV") in_sv = true;
        continue;
      }
      if (m.sv_coef_.size() >= kMaxSupportVectors)
        bad(origin, "libsvm model: more than " + std::to_string(kMaxSupportVectors) + " support vectors");
      m.sv_coef_.push_back(parse_double(tok, origin, "coefficient"));
      int last = 0;
      while (tokens.next(tok)) {
        const auto colon = tok.find(':');
        if (colon == std::string_view::npos) bad(origin, "libsvm model: bad node '" + json::excerpt(tok) + "'");
        long idx = 0;
        const auto r = std::from_chars(tok.data(), tok.data() + colon, idx);
        if (colon == 0 || r.ec != std::errc() || r.ptr != tok.data() + colon || idx <= last ||
            idx > static_cast<long>(names.size()))
          bad(origin, "libsvm model: bad node index in '" + json::excerpt(tok) + "'");
        if (m.sv_nodes_.size() >= kMaxNodes)
          bad(origin, "libsvm model: more than " + std::to_string(kMaxNodes) + " support vector nodes");
        last = static_cast<int>(idx);
        m.sv_nodes_.emplace_back(last, parse_double(tok.substr(colon + 1), origin, "node value"));
      }
      m.sv_start_.push_back(static_cast<std::uint32_t>(m.sv_nodes_.size()));
    }
    if (!nu_svr) bad(origin, "libsvm model: svm_type must be nu_svr or epsilon_svr");
    if (!rbf) bad(origin, "libsvm model: only kernel_type rbf is supported");
    if (!have_rho) bad(origin, "libsvm model: no rho");
    if (m.sv_coef_.empty()) bad(origin, "libsvm model: no support vectors");
  } catch (const json::ParseError& e) {
    bad(origin, e.what());
  }
  return m;
}

std::vector<ExtractorSpec> SvmModel::extractor_specs() const {
  // Only the model's features: what else libvmaf logs costs time (AIM) that
  // a score alone does not need.
  std::vector<ExtractorSpec> specs;
  for (const auto& f : features_) {
    auto spec = std::find_if(specs.begin(), specs.end(), [&](const ExtractorSpec& s) {
      return s.name == f.extractor && s.options == f.options;
    });
    if (spec == specs.end()) spec = specs.insert(specs.end(), ExtractorSpec{f.extractor, f.options});
    if (std::find(spec->only.begin(), spec->only.end(), f.column) == spec->only.end()) spec->only.push_back(f.column);
  }
  return specs;
}

double SvmModel::svm(const std::vector<double>& x) const {
  // Sparse RBF kernel, accumulated in libsvm's order.
  double sum = 0.0;
  for (std::size_t s = 0; s < sv_coef_.size(); ++s) {
    const std::pair<int, double>* nodes = sv_nodes_.data() + sv_start_[s];
    const std::size_t ny = sv_start_[s + 1] - sv_start_[s];
    double d2 = 0.0;
    std::size_t a = 0, b = 0;
    const std::size_t nx = x.size();
    while (a < nx && b < ny) {
      const int ia = static_cast<int>(a) + 1, ib = nodes[b].first;
      if (ia == ib) {
        const double d = x[a] - nodes[b].second;
        d2 += d * d;
        ++a, ++b;
      } else if (ia > ib) {
        d2 += nodes[b].second * nodes[b].second;
        ++b;
      } else {
        d2 += x[a] * x[a];
        ++a;
      }
    }
    for (; a < nx; ++a) d2 += x[a] * x[a];
    for (; b < ny; ++b) d2 += nodes[b].second * nodes[b].second;
    sum += sv_coef_[s] * exact::exp(-gamma_ * d2);
  }
  return sum - rho_;
}

// libvmaf's per-feature normalisation and its inverse, in its arithmetic.
double SvmModel::normalized(std::size_t i, double v) const {
  return linear_rescale_ ? features_[i].slope * v + features_[i].intercept : v;
}

double SvmModel::denormalized(std::size_t i, double v) const {
  return linear_rescale_ ? (v - features_[i].intercept) / features_[i].slope : v;
}

double SvmModel::transform(double y_in) const {
  double y = y_in;
  if (poly_.p0 || poly_.p1 || poly_.p2) {
    y = 0.0;
    if (poly_.p0) y += poly_.c0;
    if (poly_.p1) y += poly_.c1 * y_in;
    if (poly_.p2) y += poly_.c2 * y_in * y_in;
  }
  if (!knots_.empty()) {
    // Piecewise-linear through the knots, extended linearly beyond the ends.
    const double x = y;
    const std::size_t segs = knots_.size() - 1;
    double out = 0.0;
    for (std::size_t i = 0; i < segs; ++i) {
      const auto [x0, y0] = knots_[i];
      const auto [x1, y1] = knots_[i + 1];
      double a = 0.0, b = y0;
      if (y0 != y1) {
        if (x0 == 0.0) {
          b = y0;
          a = (y1 - b) / x1;
        } else {
          a = (y1 - y0) / (x1 - x0);
          b = y0 - x0 * a;
        }
      }
      const bool inside = x0 <= x && x <= x1;
      const bool below = i == 0 && x < x0;
      const bool above = i == segs - 1 && x > x1;
      if (inside || below || above) out = (y0 == y1) ? y0 : a * x + b;
    }
    y = out;
  }
  if (out_lte_in_ && y > y_in) y = y_in;
  if (out_gte_in_ && y < y_in) y = y_in;
  return y;
}

std::vector<std::string> SvmModel::columns() const {
  std::vector<std::string> c;
  for (const auto& f : features_) c.push_back(f.column);
  return c;
}

void SvmModel::predict(const double* x, std::size_t frames, double* out) const {
  const std::size_t n = features_.size();
  for (std::size_t i = 0; i < frames; ++i) out[i] = predict_one(x + i * n, i);
}

double SvmModel::predict_one(const double* values, std::size_t row) const {
  return post_process(raw_score(values, row), row);
}

double SvmModel::raw_score(const double* values, std::size_t row) const {
  std::vector<double> x(features_.size());
  for (std::size_t i = 0; i < features_.size(); ++i) x[i] = normalized(i, values[i]);
  if (chroma_correction_ && denormalized(correction_target_, x[correction_target_]) == 0.0) {
    const double guide = denormalized(correction_guide_, x[correction_guide_]);
    x[correction_target_] = normalized(correction_target_, -*chroma_correction_ * guide + *chroma_correction_);
  }
  double y = svm(x);
  if (linear_rescale_) y = (y - intercept_) / slope_;
  return require_finite_score(y, origin_, row);
}

double SvmModel::post_process(double y, std::size_t row) const {
  if (transform_) y = require_finite_score(transform(y), origin_, row);  // before clipping, which would hide it
  if (clip_) {
    y = y < clip_lo_ ? clip_lo_ : y;
    y = y > clip_hi_ ? clip_hi_ : y;
  }
  return y;
}

}  // namespace pvt
