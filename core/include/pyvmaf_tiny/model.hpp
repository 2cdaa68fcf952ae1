#pragma once
// libvmaf's JSON model format: a nu-SVR (RBF) over normalised features, with
// libvmaf's denormalisation, optional score transform and clipping.
#include <string>
#include <string_view>
#include <vector>

#include "pyvmaf_tiny/extractor.hpp"
#include "pyvmaf_tiny/pipeline.hpp"

namespace pvt {

struct ModelFeature {
  std::string source_name;  // as written in the model, e.g. "VMAF_integer_feature_adm2_score"
  std::string extractor;    // registry name, e.g. "adm"
  OptionMap options;        // from feature_opts_dicts
  std::string column;       // the pipeline column it reads, e.g. "integer_adm2_egl_1"
  double slope = 1.0, intercept = 0.0;
};

struct ModelFlags {
  bool disable_clip = false;
  bool enable_transform = false;
};

class SvmModel {
 public:
  // Throws ModelError naming `origin` (a path or model name) on any problem.
  static SvmModel from_json(std::string_view text, const std::string& origin, ModelFlags flags = {});

  const std::vector<ModelFeature>& features() const { return features_; }
  // One spec per distinct (extractor, options) pair the model needs.
  std::vector<ExtractorSpec> extractor_specs() const;

  // Predicts one frame; `values` holds one raw feature value per features() entry.
  double predict(const double* values) const;

 private:
  struct SupportVector {
    double coef;
    std::vector<std::pair<int, double>> nodes;  // sparse, ascending 1-based index
  };
  struct Polynomial {
    bool p0 = false, p1 = false, p2 = false;
    double c0 = 0, c1 = 0, c2 = 0;
  };

  double svm(const std::vector<double>& x) const;
  double transform(double y) const;

  std::vector<ModelFeature> features_;
  bool linear_rescale_ = false;
  double slope_ = 1.0, intercept_ = 0.0;
  bool clip_ = false;
  double clip_lo_ = 0.0, clip_hi_ = 0.0;
  bool transform_ = false;
  Polynomial poly_;
  std::vector<std::pair<double, double>> knots_;
  bool out_lte_in_ = false, out_gte_in_ = false;
  double gamma_ = 0.0, rho_ = 0.0;
  std::vector<SupportVector> svs_;
};

struct Pooled {
  double min = 0, max = 0, mean = 0, harmonic_mean = 0;
};

// libvmaf's pooling over per-frame values: harmonic_mean is n / sum(1/(x+1)) - 1.
Pooled pool(const double* values, std::size_t n);

}  // namespace pvt
