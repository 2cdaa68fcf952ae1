// float_vif: libvmaf 3.2's floating-point VIF (VMAF_feature_vif_scale0..3,
// logged as vif_scale0..3). Visual information fidelity of the luma plane at
// four dyadic scales, with Gaussian windows whose size and spread follow
// vif_kernelscale, after an optional resampling of the frame (vif_prescale).
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "../common/exact_math.hpp"
#include "float_common.hpp"
#include "kernels/float_vif_kernels.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "registry_entries.hpp"

namespace pvt::feature {
namespace {

constexpr int kScales = 4;
constexpr double kDefaultGainLimit = 100.0;

// The kernel scales libvmaf accepts (compared within 1e-3, in float).
constexpr float kKernelScales[] = {1.0f,        1.0f / 2.0f, 3.0f / 2.0f,  2.0f,        2.0f / 3.0f,  24.0f / 10.0f,
                                   360.0f / 97.0f, 4.0f / 3.0f, 3.5f / 3.0f, 3.75f / 3.0f, 4.25f / 3.0f, 5.0f / 3.0f,
                                   3.0f,        1.0f / 2.25f, 1.4746f,     1.54f,       1.6f,         1.06667f,
                                   0.711111f,   0.740740f,   1.111111f};

int filter_size(int scale, float kernelscale) {
  const float n = static_cast<float>((1 << (4 - scale)) + 1) * kernelscale;
  int size = static_cast<int>(std::ceil(n));
  if (size % 2 == 0) ++size;
  return std::max(size, 3);
}

// A normalised Gaussian of filter_size taps with sigma = size / 5, computed
// with libvmaf's mix of float and double steps.
std::vector<float> gaussian(int scale, float kernelscale) {
  const int size = filter_size(scale, kernelscale);
  const float sigma = static_cast<float>(size) / 5.0f;
  std::vector<float> taps(static_cast<std::size_t>(size));
  float sum = 0.0f;
  for (int i = 0; i < size; ++i) {
    const auto x = static_cast<float>(i - (size - 1) / 2);
    const auto num = static_cast<float>(exact::exp(-0.5 * x / sigma * x / sigma));
    const auto den = static_cast<float>(1 / (sigma * std::sqrt(2 * 3.14159265358979323846)));
    taps[static_cast<std::size_t>(i)] = num / den;
    sum += taps[static_cast<std::size_t>(i)];
  }
  for (float& t : taps) t /= sum;
  return taps;
}

class FloatVifExtractor final : public Extractor {
 public:
  explicit FloatVifExtractor(const OptionMap& options) {
    flt::OptionReader o(name_, options);
    debug_ = o.boolean("debug", nullptr, false, false);
    gain_limit_ = o.real("vif_enhn_gain_limit", "egl", kDefaultGainLimit, 1.0, kDefaultGainLimit);
    kernelscale_ = o.real("vif_kernelscale", "ks", 1.0, 0.1, 4.0);
    prescale_ = o.real("vif_prescale", "ps", 1.0, 0.1, 4.0);
    min_val_[1] = o.real("vif_scale1_min_val", "s1miv", 0.0, 0.0, 1.0);
    min_val_[2] = o.real("vif_scale2_min_val", "s2miv", 0.0, 0.0, 1.0);
    min_val_[3] = o.real("vif_scale3_min_val", "s3miv", 0.0, 0.0, 1.0);
    method_ = flt::resample_method(name_, o.text("vif_prescale_method", "pm", "nearest"));
    sigma_nsq_ = o.real("vif_sigma_nsq", "snsq", 2.0, 0.0, 5.0);
    skip_scale0_ = o.boolean("vif_skip_scale0", "ssclz", false);
    const std::string suffix = o.finish();
    const auto ks = static_cast<float>(kernelscale_);
    if (std::none_of(std::begin(kKernelScales), std::end(kKernelScales),
                     [&](float v) { return std::fabs(ks - v) < 1e-3; }))
      throw InputError("float_vif: vif_kernelscale " + std::to_string(kernelscale_) +
                       " is not one libvmaf supports (1, 0.5, 1.5, 2, 2/3, 2.4, 360/97, 4/3, ...)");
    for (int s = 0; s < kScales; ++s) provides_.push_back("vif_scale" + std::to_string(s) + suffix);
    if (debug_) {
      for (const char* f : {"vif", "vif_num", "vif_den"}) provides_.push_back(f + suffix);
      for (int s = 0; s < kScales; ++s)
        for (const char* f : {"vif_num_scale", "vif_den_scale"}) provides_.push_back(f + std::to_string(s) + suffix);
    }
    for (int s = 0; s < kScales; ++s) taps_[s] = gaussian(s, ks);
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }

  void init(const Geometry& g) override {
    flt::check_depth(name_, g.bpc);
    const int w = static_cast<int>(g.width * prescale_ + 0.5), h = static_cast<int>(g.height * prescale_ + 0.5);
    // Every filter must fit inside the plane it reflects in (libvmaf reads
    // outside it otherwise), and so must the resampling kernels.
    bool fits = prescale_ == 1.0 || (g.width >= 6 && g.height >= 6);
    for (int s = 0; s < kScales; ++s) {
      const int r = static_cast<int>(taps_[s].size()) / 2;
      width_[s] = w >> s;
      height_[s] = h >> s;
      fits = fits && width_[s] > r && height_[s] > r;
    }
    if (!fits)
      throw InputError("float_vif: a " + std::to_string(g.width) + "x" + std::to_string(g.height) +
                       " frame is too small for its filters (at vif_kernelscale 1 and no prescale, 16x16 at least)");
    kernels_ = kernels::select_float_vif_kernels();
    for (int s = 0; s < kScales; ++s) {
      ref_[s].resize(width_[s], height_[s]);
      dis_[s].resize(width_[s], height_[s]);
      row_map_[s] = flt::reflect101_rows(height_[s], kernels::kFloatVifMaxTaps / 2);
    }
    if (prescale_ != 1.0) {
      ref_in_.resize(g.width, g.height);
      dis_in_.resize(g.width, g.height);
    }
    scratch_aligned_ = scratch_.reset(kernels::float_vif_scratch_floats(w, kernels::kFloatVifMaxTaps));
  }

  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    (void)index;
    if (prescale_ == 1.0) {
      flt::load_plane(pair.ref, -128.0f, ref_[0]);
      flt::load_plane(pair.dist, -128.0f, dis_[0]);
    } else {
      flt::load_plane(pair.ref, -128.0f, ref_in_);
      flt::load_plane(pair.dist, -128.0f, dis_in_);
      flt::resample(method_, ref_in_, ref_[0]);
      flt::resample(method_, dis_in_, dis_[0]);
    }
    kernels::FloatVifStatParams p;
    p.gain_limit = static_cast<float>(gain_limit_);
    p.sigma_nsq = sigma_nsq_;
    p.sigma_max_inv = static_cast<float>(exact::powf(static_cast<float>(sigma_nsq_), 2.0f) / (255.0 * 255.0));
    std::array<double, 2 * kScales> scores{};
    for (int s = skip_scale0_ ? 1 : 0; s < kScales; ++s) {
      if (s > 0) {
        auto a = args(s - 1, s);
        kernels_.decimate(a, ref_[s].row(0), dis_[s].row(0), ref_[s].stride());
      }
      const kernels::FloatVifSums sums = kernels_.stats(args(s, s), p);
      scores[2 * s] = sums.num;
      scores[2 * s + 1] = sums.den;
    }
    out[0] = skip_scale0_ ? 0.0 : scores[0] / scores[1];
    for (int s = 1; s < kScales; ++s) {
      const double v = scores[2 * s] / scores[2 * s + 1];
      out[s] = v > min_val_[s] ? v : min_val_[s];  // NaN gives the minimum, as in libvmaf
    }
    if (!debug_) return;
    double num = 0.0, den = 0.0;
    for (int s = skip_scale0_ ? 1 : 0; s < kScales; ++s) num += scores[2 * s], den += scores[2 * s + 1];
    out[4] = den == 0.0 ? 1.0 : num / den;
    out[5] = num;
    out[6] = den;
    if (skip_scale0_) scores[1] = -1.0;
    for (int i = 0; i < 2 * kScales; ++i) out[7 + i] = scores[i];
  }

 private:
  // Arguments of a kernel reading the planes of scale `plane` with the filter of scale `filter`.
  kernels::FloatVifArgs args(int plane, int filter) {
    const int pad = kernels::kFloatVifMaxTaps / 2;
    auto& rr = rows_[0];
    auto& dr = rows_[1];
    rr.resize(row_map_[plane].size());
    dr.resize(row_map_[plane].size());
    for (std::size_t i = 0; i < rr.size(); ++i) {
      rr[i] = ref_[plane].row(row_map_[plane][i]);
      dr[i] = dis_[plane].row(row_map_[plane][i]);
    }
    kernels::FloatVifArgs a;
    a.ref_rows = rr.data() + pad;
    a.dis_rows = dr.data() + pad;
    a.width = width_[plane];
    a.height = height_[plane];
    a.taps = taps_[filter].data();
    a.n_taps = static_cast<int>(taps_[filter].size());
    a.scratch = scratch_aligned_;
    return a;
  }

  std::string name_ = "float_vif";
  std::vector<std::string> provides_;
  bool debug_ = false, skip_scale0_ = false;
  double gain_limit_ = kDefaultGainLimit, kernelscale_ = 1.0, prescale_ = 1.0, sigma_nsq_ = 2.0;
  std::array<double, kScales> min_val_{};
  flt::Resample method_ = flt::Resample::nearest;
  std::array<std::vector<float>, kScales> taps_;
  std::array<int, kScales> width_{}, height_{};
  std::array<flt::FloatPlane, kScales> ref_, dis_;
  flt::FloatPlane ref_in_, dis_in_;
  std::array<std::vector<int>, kScales> row_map_;
  std::array<std::vector<const float*>, 2> rows_;
  kernels::FloatVifKernels kernels_{};
  flt::FloatScratch scratch_;
  float* scratch_aligned_ = nullptr;
};

}  // namespace

std::unique_ptr<Extractor> make_float_vif(const OptionMap& options) {
  return std::make_unique<FloatVifExtractor>(options);
}

}  // namespace pvt::feature
