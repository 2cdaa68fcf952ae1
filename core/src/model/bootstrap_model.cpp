#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/json.hpp"
#include "pyvmaf_tiny/model.hpp"

namespace pvt {
namespace {

// libvmaf's percentile: linear between the two nearest of the sorted scores.
double percentile(const std::vector<double>& sorted, double perc) {
  const double p = perc * static_cast<double>(sorted.size() - 1) / 100.0;
  const auto lo = static_cast<std::size_t>(std::floor(p));
  const auto hi = static_cast<std::size_t>(std::ceil(p));
  if (lo == hi) return sorted[lo];
  return sorted[lo] * (static_cast<double>(hi) - p) + sorted[hi] * (p - static_cast<double>(lo));
}

bool is_bootstrap_type(const std::string& type) {
  return type == "BOOTSTRAP_LIBSVMNUSVR" || type == "RESIDUEBOOTSTRAP_LIBSVMNUSVR";
}

}  // namespace

BootstrapModel BootstrapModel::from_document(const json::Value& root, const std::string& origin, ModelFlags flags) {
  BootstrapModel b;
  b.origin_ = origin;
  try {
    // Members are "0", "1", ... in this order; libvmaf passes over other keys.
    for (const auto& [key, value] : root.as_object("model collection")) {
      if (key != std::to_string(b.members_.size())) continue;
      if (b.members_.size() == kMaxMembers)
        throw ModelError("model " + origin + ": more than " + std::to_string(kMaxMembers) + " members");
      b.members_.push_back(SvmModel::from_document(value, origin + " member " + std::string(key), flags));
    }
  } catch (const json::ParseError& e) {
    throw ModelError("model " + origin + ": " + e.what());
  }
  if (b.members_.size() < 2)
    throw ModelError("model " + origin + ": a bootstrap collection needs members \"0\" and \"1\" at least");
  const std::string& type = b.members_[1].model_type();
  if (!is_bootstrap_type(type))
    throw ModelError("model " + origin + ": member 1 has model_type '" + type +
                     "'; a collection's members are BOOTSTRAP_LIBSVMNUSVR or RESIDUEBOOTSTRAP_LIBSVMNUSVR");
  for (std::size_t m = 2; m < b.members_.size(); ++m)
    if (b.members_[m].model_type() != type)
      throw ModelError("model " + origin + ": member " + std::to_string(m) + " has model_type '" +
                       b.members_[m].model_type() + "', member 1 '" + type + "'");
  for (const auto& member : b.members_) {
    std::vector<std::size_t> index;
    for (const auto& column : member.columns()) {
      auto at = std::find(b.columns_.begin(), b.columns_.end(), column);
      if (at == b.columns_.end()) at = b.columns_.insert(b.columns_.end(), column);
      index.push_back(static_cast<std::size_t>(at - b.columns_.begin()));
    }
    b.index_.push_back(std::move(index));
  }
  return b;
}

std::vector<ExtractorSpec> BootstrapModel::extractor_specs() const {
  std::vector<ExtractorSpec> specs;
  for (const auto& member : members_) {
    for (const auto& s : member.extractor_specs()) {
      auto spec = std::find_if(specs.begin(), specs.end(), [&](const ExtractorSpec& have) {
        return have.name == s.name && have.options == s.options;
      });
      if (spec == specs.end()) spec = specs.insert(specs.end(), ExtractorSpec{s.name, s.options});
      for (const auto& column : s.only)
        if (std::find(spec->only.begin(), spec->only.end(), column) == spec->only.end()) spec->only.push_back(column);
    }
  }
  return specs;
}

void BootstrapModel::gather(std::size_t m, const double* x, std::vector<double>& values) const {
  const auto& index = index_[m];
  values.resize(index.size());
  for (std::size_t i = 0; i < index.size(); ++i) values[i] = x[index[i]];
}

void BootstrapModel::predict(const double* x, std::size_t frames, double* out) const {
  std::vector<double> values;
  for (std::size_t f = 0; f < frames; ++f) {
    gather(0, x + f * columns_.size(), values);
    out[f] = members_[0].predict_one(values.data(), f);
  }
}

std::vector<std::string> BootstrapModel::output_suffixes() const {
  std::vector<std::string> out{""};
  for (std::size_t m = 1; m < members_.size(); ++m) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "_%04zu", m);
    out.emplace_back(buf);
  }
  for (const char* stat : {"_bagging", "_stddev", "_ci_p95_lo", "_ci_p95_hi"}) out.emplace_back(stat);
  return out;
}

void BootstrapModel::predict_outputs(const double* x, std::size_t frames, double* out) const {
  const std::size_t n = members_.size();
  const std::size_t width = n + 4;
  const std::size_t count = n - 1;  // the collection proper: members 1..n-1
  std::vector<double> values, raw(count);
  for (std::size_t f = 0; f < frames; ++f) {
    const double* row = x + f * columns_.size();
    double* o = out + f * width;
    for (std::size_t m = 0; m < n; ++m) {
      gather(m, row, values);
      const double y = members_[m].raw_score(values.data(), f);
      o[m] = members_[m].post_process(y, f);
      if (m > 0) raw[m - 1] = y;
    }
    double sum = 0.0;
    for (const double s : raw) sum += s;
    const double mean = sum / static_cast<double>(count);
    double ssd = 0.0;
    for (const double s : raw) ssd += (s - mean) * (s - mean);
    double stddev = std::sqrt(ssd / static_cast<double>(count));
    std::sort(raw.begin(), raw.end());
    const SvmModel& first = members_[1];
    const double delta = 0.01;
    const double slope = (first.post_process(mean + delta, f) - first.post_process(mean - delta, f)) / (2.0 * delta);
    stddev *= slope;
    o[n] = first.post_process(mean, f);
    o[n + 1] = stddev;
    o[n + 2] = first.post_process(percentile(raw, 2.5), f);
    o[n + 3] = first.post_process(percentile(raw, 97.5), f);
  }
}

}  // namespace pvt
