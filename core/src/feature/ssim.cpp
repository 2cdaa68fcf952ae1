// float_ssim, as libvmaf 3.2 defines it: luma converted to float on the 8-bit
// scale, box-filtered and decimated by a factor that grows with the frame
// size (round(min(w, h) / 256), at least 1) unless `scale` sets it, then the
// mean SSIM index over an 11x11 Gaussian window, rounded to float.
#include <algorithm>
#include <cmath>
#include <span>
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

// libvmaf's IQA rounding of a positive float: halves round up.
int round_half_up(float a) {
  const int sign = a > 0.0f ? 1 : -1;
  const int truncated = static_cast<int>(a);
  const float fraction = a - static_cast<float>(truncated);
  return static_cast<double>(fraction) >= 0.5 ? truncated + sign : truncated;
}

// The auto scale: one step per 256 samples of the shorter side.
int auto_scale(int width, int height) {
  const float shorter = static_cast<float>(std::min(width, height));
  return std::max(1, round_half_up(shorter / 256.0f));
}

// The largest dB value the clip_db option allows, as libvmaf computes it.
double max_db_for(const Geometry& g) {
  const unsigned peak = (1u << static_cast<unsigned>(g.bpc)) - 1u;
  const double mse = 0.5 / static_cast<double>(static_cast<unsigned>(g.width) * static_cast<unsigned>(g.height));
  return std::ceil(10. * exact::log10(static_cast<double>(peak * peak) / mse));
}

class SsimExtractor final : public Extractor {
 public:
  explicit SsimExtractor(const OptionMap& options) {
    reject_unknown_options(name_, options, {"enable_lcs", "enable_db", "clip_db", "scale"});
    lcs_ = option_bool(options, "enable_lcs", nullptr, false);
    db_ = option_bool(options, "enable_db", nullptr, false);
    clip_db_ = option_bool(options, "clip_db", nullptr, false);
    const double scale = option_double(options, "scale", nullptr, 0.0, 0.0, 10.0);
    if (scale != std::floor(scale)) throw InputError("option 'scale': must be an integer");
    scale_option_ = static_cast<int>(scale);
    // None of these options changes libvmaf's feature names.
    provides_ = {"float_ssim"};
    if (lcs_) provides_.insert(provides_.end(), {"float_ssim_l", "float_ssim_c", "float_ssim_s"});
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }

  void init(const Geometry& g) override {
    require_float_conversion(name_, g.bpc);
    factor_ = scale_option_ > 0 ? scale_option_ : auto_scale(g.width, g.height);
    const int w = factor_ > 1 ? decimated_size(g.width, factor_) : g.width;
    const int h = factor_ > 1 ? decimated_size(g.height, factor_) : g.height;
    constexpr int kMin = kernels::kSsimWindow;
    if (w < kMin || h < kMin) {
      std::string msg = "float_ssim needs frames of at least " + std::to_string(kMin) + "x" + std::to_string(kMin) +
                        " pixels";
      if (factor_ > 1) msg += " after its downscaling by " + std::to_string(factor_);
      throw InputError(msg + " (got " + std::to_string(g.width) + "x" + std::to_string(g.height) + ")");
    }
    const int pad = factor_ > 1 ? factor_ / 2 : 0;
    ref_full_.resize(g.width, g.height, pad);
    dist_full_.resize(g.width, g.height, pad);
    if (factor_ > 1) {
      ref_small_.resize(w, h, 0);
      dist_small_.resize(w, h, 0);
      box_.assign(static_cast<std::size_t>(factor_ * factor_), 1.0f / static_cast<float>(factor_ * factor_));
      rows_.assign(static_cast<std::size_t>(factor_), nullptr);
      acc_.assign(static_cast<std::size_t>(w), 0.0);
    }
    map_.init(w, static_cast<int>(g.encodes));
    positions_ = SsimMap::positions(w, h);
    // Ladder mode: each encode's plane as the map reads it (decimated, or
    // converted at full size); the first encode's is the single pair's.
    encodes_ = static_cast<int>(g.encodes);
    ladder_.assign(g.encodes - 1, FloatPlane{});
    for (auto& p : ladder_) p.resize(w, h, factor_ > 1 ? 0 : pad);
    max_db_ = clip_db_ ? max_db_for(g) : INFINITY;
    kernels_ = kernels::select_ssim_kernels();
  }

  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    (void)index;
    write(map_.run(prepare(pair.ref, ref_full_, ref_small_), prepare(pair.dist, dist_full_, dist_small_)), out);
  }

  // The reference converted (and decimated) once, and its filtered rows
  // computed once for every encode.
  void extract_ladder(std::span<const PicturePair> pairs, unsigned index,
                      std::span<const std::span<double>> outs) override {
    (void)index;
    const std::size_t n = pairs.size();
    if (n > static_cast<std::size_t>(encodes_)) throw Error("float_ssim: more encodes than init() was told of");
    const FloatPlane& ref = prepare(pairs[0].ref, ref_full_, ref_small_);
    std::vector<const FloatPlane*> dists(n);
    for (std::size_t e = 0; e < n; ++e) {
      FloatPlane& mine = e == 0 ? (factor_ > 1 ? dist_small_ : dist_full_) : ladder_[e - 1];
      dists[e] = &prepare(pairs[e].dist, factor_ > 1 ? dist_full_ : mine, mine);
    }
    std::vector<kernels::SsimSums> sums(n);
    map_.run_ladder(ref, dists.data(), static_cast<int>(n), sums.data());
    for (std::size_t e = 0; e < n; ++e) write(sums[e], outs[e]);
  }

 private:
  // `src` as the map reads it: converted into `full`, then (factor > 1)
  // decimated into `small`.
  const FloatPlane& prepare(const Plane& src, FloatPlane& full, FloatPlane& small) {
    convert_to_float(src, full);
    if (factor_ == 1) return full;
    full.mirror_columns();
    decimate(kernels_, full, box_.data(), factor_, factor_, factor_, small, acc_.data(), rows_.data());
    return small;
  }

  void write(const kernels::SsimSums& sums, std::span<double> out) const {
    const double n = static_cast<double>(positions_);
    // libvmaf hands the means over as float.
    double score = round_to_float(sums.ssim / n);
    if (db_) {
      const double db = -10. * exact::log10(1 - score);
      score = db < max_db_ ? db : max_db_;
    }
    out[0] = score;
    if (lcs_) {
      out[1] = round_to_float(sums.l / n);
      out[2] = round_to_float(sums.c / n);
      out[3] = round_to_float(sums.s / n);
    }
  }

  std::string name_ = "float_ssim";
  std::vector<std::string> provides_;
  bool lcs_ = false, db_ = false, clip_db_ = false;
  int scale_option_ = 0;
  int factor_ = 1;
  long positions_ = 0;
  double max_db_ = INFINITY;
  kernels::SsimKernels kernels_{};
  FloatPlane ref_full_, dist_full_, ref_small_, dist_small_;
  int encodes_ = 1;
  std::vector<FloatPlane> ladder_;  // encodes 1..
  std::vector<float> box_;
  std::vector<const float*> rows_;
  std::vector<double> acc_;
  SsimMap map_;
};

}  // namespace

std::unique_ptr<Extractor> make_float_ssim(const OptionMap& options) {
  return std::make_unique<SsimExtractor>(options);
}

}  // namespace pvt::feature
