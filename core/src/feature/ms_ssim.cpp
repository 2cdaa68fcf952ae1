// float_ms_ssim, as libvmaf 3.2 defines it (Wang's MS-SSIM): five scales,
// each made from the previous one by the 9x9 low-pass and 2:1 decimation;
// per scale the mean luminance, contrast and structure terms of the 11x11
// Gaussian SSIM map (each rounded to float), combined as a product of powers
// with the weights of Wang et al.
#include <cmath>
#include <string>
#include <vector>

#include "../common/exact_math.hpp"
#include "options.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "registry_entries.hpp"
#include "ssim_core.hpp"

namespace pvt::feature {
namespace {

constexpr int kScales = 5;
constexpr float kAlpha[kScales] = {0.0f, 0.0f, 0.0f, 0.0f, 0.1333f};
constexpr float kBeta[kScales] = {0.0448f, 0.2856f, 0.3001f, 0.2363f, 0.1333f};
constexpr float kGamma[kScales] = {0.0448f, 0.2856f, 0.3001f, 0.2363f, 0.1333f};
constexpr int kLowPass = kernels::kMsSsimLowPass;

// libvmaf's size check halves (rounding down) between scales and wants the
// window to fit at every one: 11 * 16 = 176 samples along each axis.
bool fits_all_scales(int n) {
  for (int s = 0; s < kScales; ++s, n /= 2)
    if (n < kernels::kSsimWindow) return false;
  return true;
}

double max_db_for(const Geometry& g) {
  const unsigned peak = (1u << static_cast<unsigned>(g.bpc)) - 1u;
  const double mse = 0.5 / static_cast<double>(static_cast<unsigned>(g.width) * static_cast<unsigned>(g.height));
  return std::ceil(10. * exact::log10(static_cast<double>(peak * peak) / mse));
}

class MsSsimExtractor final : public Extractor {
 public:
  explicit MsSsimExtractor(const OptionMap& options) {
    reject_unknown_options(name_, options, {"enable_lcs", "enable_db", "clip_db"});
    lcs_ = option_bool(options, "enable_lcs", nullptr, false);
    db_ = option_bool(options, "enable_db", nullptr, false);
    clip_db_ = option_bool(options, "clip_db", nullptr, false);
    // None of these options changes libvmaf's feature names.
    provides_ = {"float_ms_ssim"};
    if (lcs_)
      for (const char* term : {"l", "c", "s"})
        for (int s = 0; s < kScales; ++s)
          provides_.push_back("float_ms_ssim_" + std::string(term) + "_scale" + std::to_string(s));
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }

  void init(const Geometry& g) override {
    require_float_conversion(name_, g.bpc);
    if (!fits_all_scales(g.width) || !fits_all_scales(g.height))
      throw InputError("float_ms_ssim needs frames of at least 176x176 pixels (got " + std::to_string(g.width) +
                       "x" + std::to_string(g.height) + ")");
    int w = g.width, h = g.height;
    for (int s = 0; s < kScales; ++s) {
      // Every scale but the last feeds the low-pass, which reads 4 mirrored columns.
      const int pad = s + 1 < kScales ? kLowPass / 2 : 0;
      ref_[s].resize(w, h, pad);
      dist_[s].resize(w, h, pad);
      w = decimated_size(w, 2);
      h = decimated_size(h, 2);
    }
    acc_.assign(static_cast<std::size_t>(g.width), 0.0);
    map_.init(g.width);
    max_db_ = clip_db_ ? max_db_for(g) : INFINITY;
    kernels_ = kernels::select_ssim_kernels();
  }

  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    convert_to_float(pair.ref, ref_[0]);
    convert_to_float(pair.dist, dist_[0]);
    const float* taps = kernels::kMsSsimLowPass2d.data();
    for (int s = 1; s < kScales; ++s) {
      for (FloatPlane* p : {&ref_[s - 1], &dist_[s - 1]}) p->mirror_columns();
      decimate(kernels_, ref_[s - 1], taps, kLowPass, kLowPass, 2, ref_[s], acc_.data(), rows_);
      decimate(kernels_, dist_[s - 1], taps, kLowPass, kLowPass, 2, dist_[s], acc_.data(), rows_);
    }
    double score = 1.0;
    double l[kScales], c[kScales], st[kScales];
    for (int s = 0; s < kScales; ++s) {
      const kernels::SsimSums sums = map_.run(ref_[s], dist_[s]);
      const double n = static_cast<double>(SsimMap::positions(ref_[s].width(), ref_[s].height()));
      // libvmaf hands the means over as float.
      l[s] = round_to_float(sums.l / n);
      c[s] = round_to_float(sums.c / n);
      st[s] = round_to_float(sums.s / n);
      const double weighted =
          exact::pow(l[s], static_cast<double>(kAlpha[s])) * exact::pow(c[s], static_cast<double>(kBeta[s]));
      score *= weighted * exact::pow(st[s], static_cast<double>(kGamma[s]));
      // libvmaf gives up on the frame here.
      if (score == INFINITY) throw Error("float_ms_ssim is infinite on frame " + std::to_string(index));
    }
    if (db_) {
      const double db = -10. * exact::log10(1 - score);
      score = db < max_db_ ? db : max_db_;
    }
    out[0] = score;
    if (lcs_) {
      for (int s = 0; s < kScales; ++s) {
        out[static_cast<std::size_t>(1 + s)] = l[s];
        out[static_cast<std::size_t>(1 + kScales + s)] = c[s];
        out[static_cast<std::size_t>(1 + 2 * kScales + s)] = st[s];
      }
    }
  }

 private:
  std::string name_ = "float_ms_ssim";
  std::vector<std::string> provides_;
  bool lcs_ = false, db_ = false, clip_db_ = false;
  double max_db_ = INFINITY;
  kernels::SsimKernels kernels_{};
  FloatPlane ref_[kScales], dist_[kScales];
  std::vector<double> acc_;
  const float* rows_[kLowPass] = {};
  SsimMap map_;
};

}  // namespace

std::unique_ptr<Extractor> make_float_ms_ssim(const OptionMap& options) {
  return std::make_unique<MsSsimExtractor>(options);
}

}  // namespace pvt::feature
