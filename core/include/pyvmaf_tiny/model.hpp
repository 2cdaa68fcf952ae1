#pragma once
// Quality models: the interface the pipeline runs, and libvmaf's JSON model
// format (a nu-SVR with RBF kernel over normalised features, with libvmaf's
// denormalisation, optional score transform and clipping).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyvmaf_tiny/extractor.hpp"

namespace pvt {

namespace json {
class Value;
}

// The largest libvmaf JSON model read whole into memory.
inline constexpr std::size_t kMaxModelJsonBytes = std::size_t{64} << 20;

// One rule for every model: a score that is not a finite number is the
// model's failure (ModelError naming `origin` and the row), never a result.
double require_finite_score(double score, const std::string& origin, std::size_t row);

// A per-frame quality model over pipeline feature columns.
class Model {
 public:
  virtual ~Model() = default;
  // The pipeline columns it reads, in input order.
  virtual std::vector<std::string> columns() const = 0;
  // The extractors that produce those columns.
  virtual std::vector<ExtractorSpec> extractor_specs() const = 0;
  // Scores `frames` rows of `x` (row-major, one value per column) into `out`.
  virtual void predict(const double* x, std::size_t frames, double* out) const = 0;
  // Where it runs, e.g. "cpu", or "cpu (auto: ...)" after a fallback.
  virtual std::string backend() const { return "cpu"; }
  // Every per-frame output it logs, as suffixes of the name it is logged
  // under: "" is predict()'s score; a bootstrap collection adds its members
  // and statistics ("_0001", ..., "_bagging", ...).
  virtual std::vector<std::string> output_suffixes() const { return {""}; }
  // Scores `frames` rows of `x` into `out`, frames x output_suffixes() values (row-major).
  virtual void predict_outputs(const double* x, std::size_t frames, double* out) const { predict(x, frames, out); }
};

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

class SvmModel final : public Model {
 public:
  // Throws ModelError naming `origin` (a path or model name) on any problem.
  static SvmModel from_json(std::string_view text, const std::string& origin, ModelFlags flags = {});
  // The same, from a document the JSON reader has already parsed.
  static SvmModel from_document(const json::Value& root, const std::string& origin, ModelFlags flags = {});

  const std::vector<ModelFeature>& features() const { return features_; }
  std::vector<std::string> columns() const override;
  // One spec per distinct (extractor, options) pair the model needs.
  std::vector<ExtractorSpec> extractor_specs() const override;
  void predict(const double* x, std::size_t frames, double* out) const override;

  // Predicts one frame; `values` holds one raw feature value per features() entry.
  // Throws ModelError when the score is not finite (`row` names the frame).
  double predict_one(const double* values, std::size_t row = 0) const;
  // predict_one() in two steps, as libvmaf's bootstrap statistics need them:
  // the denormalised SVM output, untransformed and unclipped (finite, or
  // ModelError), then the model's own transform and clip applied to a value.
  double raw_score(const double* values, std::size_t row = 0) const;
  double post_process(double y, std::size_t row = 0) const;
  // libvmaf's model_type: "LIBSVMNUSVR", "BOOTSTRAP_LIBSVMNUSVR" or "RESIDUEBOOTSTRAP_LIBSVMNUSVR".
  const std::string& model_type() const { return type_; }

  // Budgets on the libsvm text: support vectors and sparse nodes in all.
  static constexpr std::size_t kMaxSupportVectors = std::size_t{1} << 18;
  static constexpr std::size_t kMaxNodes = std::size_t{1} << 22;

 private:
  struct Polynomial {
    bool p0 = false, p1 = false, p2 = false;
    double c0 = 0, c1 = 0, c2 = 0;
  };

  double svm(const std::vector<double>& x) const;
  double transform(double y) const;
  double normalized(std::size_t feature, double value) const;
  double denormalized(std::size_t feature, double value) const;

  std::vector<ModelFeature> features_;
  std::string type_;
  bool linear_rescale_ = false;
  double slope_ = 1.0, intercept_ = 0.0;
  bool clip_ = false;
  double clip_lo_ = 0.0, clip_hi_ = 0.0;
  bool transform_ = false;
  Polynomial poly_;
  std::vector<std::pair<double, double>> knots_;
  bool out_lte_in_ = false, out_gte_in_ = false;
  // chroma_correction_parameter, and the features it reads (adm3) and replaces (speed_chroma).
  std::optional<double> chroma_correction_;
  std::size_t correction_guide_ = 0, correction_target_ = 0;
  double gamma_ = 0.0, rho_ = 0.0;
  // Support vector i has coefficient sv_coef_[i] and the sparse nodes
  // [sv_start_[i], sv_start_[i + 1]) of sv_nodes_ (ascending 1-based index).
  std::vector<double> sv_coef_;
  std::vector<std::uint32_t> sv_start_;
  std::vector<std::pair<int, double>> sv_nodes_;
  std::string origin_;
};

// A libvmaf bootstrap model collection (vmaf_b_v0.6.3): members "0", "1", ...
// of one file, each a libvmaf model over the same features. Logged as
// libvmaf logs one under name N: member 0's score as N (predict()), member
// i's as N_000i, then over members 1.. (libvmaf's collection proper) the
// bagging score (their mean), stddev and the 95% interval (2.5 and 97.5
// percentiles), computed on untransformed, unclipped scores, then
// transformed and clipped as member 1 is (the stddev scaled by the
// transform's slope at the mean).
class BootstrapModel final : public Model {
 public:
  static BootstrapModel from_document(const json::Value& root, const std::string& origin, ModelFlags flags = {});

  std::size_t members() const { return members_.size(); }
  std::vector<std::string> columns() const override { return columns_; }
  std::vector<ExtractorSpec> extractor_specs() const override;
  void predict(const double* x, std::size_t frames, double* out) const override;
  std::vector<std::string> output_suffixes() const override;
  void predict_outputs(const double* x, std::size_t frames, double* out) const override;

  static constexpr std::size_t kMaxMembers = 1024;

 private:
  // Member m's raw feature values for row `x`, gathered into `values`.
  void gather(std::size_t m, const double* x, std::vector<double>& values) const;

  std::vector<SvmModel> members_;
  std::vector<std::string> columns_;
  std::vector<std::vector<std::size_t>> index_;  // per member: its features' positions in columns_
  std::string origin_;
};

struct Pooled {
  double min = 0, max = 0, mean = 0, harmonic_mean = 0;
};

// libvmaf's pooling over per-frame values: harmonic_mean is n / sum(1/(x+1)) - 1.
Pooled pool(const double* values, std::size_t n);

}  // namespace pvt
