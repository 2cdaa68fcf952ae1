// float_adm: libvmaf 3.2's floating-point ADM (VMAF_feature_adm2_score and
// the per-scale scores, logged as adm2, adm_scale0..3), with its additive
// impairment measure (aim) and their blend (adm3). Four scales of a
// Daubechies-2 wavelet; see kernels/float_adm_kernels.hpp for the steps.
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "../common/exact_math.hpp"
#include "barten_csf.hpp"
#include "float_common.hpp"
#include "kernels/float_adm_kernels.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "registry_entries.hpp"

namespace pvt::feature {
namespace {

constexpr int kScales = 4;
constexpr double kBorder = 0.1;  // share of each side left out of the sums
constexpr double kPi = 3.14159265358979323846;

enum CsfMode { kWatson = 0, kBarten = 1, kNative = 2 };

// Watson et al. 1997, "Visibility of wavelet quantization noise": the
// quantisation step of the 7-9 wavelet for luma at level `lambda` and
// orientation `theta` (1 vertical/horizontal, 2 diagonal).
float watson_step(int lambda, int theta, double view_dist, int display_height) {
  constexpr float a = 0.495f, k = 0.466f, f0 = 0.401f;
  constexpr float g[4] = {1.501f, 1.0f, 0.534f, 1.0f};
  constexpr float amplitude[6][4] = {{0.62171f, 0.67234f, 0.72709f, 0.67234f},
                                     {0.34537f, 0.41317f, 0.49428f, 0.41317f},
                                     {0.18004f, 0.22727f, 0.28688f, 0.22727f},
                                     {0.091401f, 0.11792f, 0.15214f, 0.11792f},
                                     {0.045943f, 0.059758f, 0.077727f, 0.059758f},
                                     {0.023013f, 0.030018f, 0.039156f, 0.030018f}};
  const auto r = static_cast<float>(view_dist * display_height * kPi / 180.0);
  const auto temp = static_cast<float>(exact::log10(exact::pow(2.0, lambda + 1) * f0 * g[theta] / r));
  return static_cast<float>(2.0 * a * exact::pow(10.0, k * temp * temp) / amplitude[lambda][theta]);
}

// The DLM paper's CSF (Li et al. 2011), diagonal bands 45 degrees.
float native_csf(int lambda, double view_dist, int display_height, bool diagonal) {
  const auto r = static_cast<float>(view_dist * display_height * kPi / 180.0);
  auto f = static_cast<float>(r / exact::pow(2, lambda + 1));
  if (diagonal) f = static_cast<float>(f / 0.7);
  return static_cast<float>((0.31 + 0.69 * f) * exact::exp(-0.29 * f));
}


// libvmaf's border rule: the first and last int(n * 0.1 - 0.5) samples are left out.
int inner_start(int n) { return static_cast<int>(n * kBorder - 0.5); }
// ... and the decoupled bands reach one sample further (the masking filter's tap).
int outer_start(int n) { return static_cast<int>(n * kBorder - 0.5 - 1); }

class FloatAdmExtractor final : public Extractor {
 public:
  explicit FloatAdmExtractor(const OptionMap& options) {
    flt::OptionReader o(name_, options);
    debug_ = o.boolean("debug", nullptr, false, false);
    gain_limit_ = o.real("adm_enhn_gain_limit", "egl", 100.0, 1.0, 100.0);
    view_dist_ = o.real("adm_norm_view_dist", "nvd", 3.0, 0.75, 24.0);
    noise_weight_ = o.real("adm_noise_weight", "nw", 0.03125, 0.0, 1500.0);
    csf_scale_ = o.real("adm_csf_scale", "scf", 1.0, 0.0, 50.0);
    csf_diag_scale_ = o.real("adm_csf_diag_scale", "scfd", 1.0, 0.0, 50.0);
    display_height_ = o.integer("adm_ref_display_height", "rdf", 1080, 1, 4320);
    csf_mode_ = o.integer("adm_csf_mode", "csf", kWatson, 0, 9);
    bypass_cm_ = o.integer("adm_bypass_cm", "bcm", 0, 0, 1) != 0;
    apply_hm_ = o.boolean("adm_adm3_apply_hm", "aah", false);
    p_norm_ = o.real("adm_p_norm", "apn", 3.0, 1.0, 20.0);
    dlm_weight_ = o.real("adm_dlm_weight", "dlmw", 0.5, 0.0, 1.0);
    min_val_ = o.real("adm_min_val", "min", 0.0, 0.0, 1.0);
    for (int s = 0; s < kScales; ++s) {
      const std::string f1 = "adm_f1s" + std::to_string(s), f2 = "adm_f2s" + std::to_string(s);
      override_[0][s] = o.real(f1.c_str(), f1.c_str() + 4, -1.0, -1.0, 10.0);
      override_[1][s] = o.real(f2.c_str(), f2.c_str() + 4, -1.0, -1.0, 10.0);
    }
    skip_aim_scale_ = o.integer("adm_skip_aim_scale", "sasc", -1, 0, 3);
    skip_scale0_ = o.boolean("adm_skip_scale0", "ssz", false);
    const std::string suffix = o.finish();
    for (const char* f : {"adm2", "aim", "adm3", "adm_scale0", "adm_scale1", "adm_scale2", "adm_scale3"})
      provides_.push_back(f + suffix);
    if (debug_) {
      for (const char* f : {"adm", "adm_num", "adm_den"}) provides_.push_back(f + suffix);
      for (int s = 0; s < kScales; ++s)
        for (const char* f : {"adm_num_scale", "adm_den_scale"}) provides_.push_back(f + std::to_string(s) + suffix);
    }
    for (int s = 0; s < kScales; ++s) {
      factor_[s][0] = factor_[s][1] = csf_factor(s, false);
      factor_[s][2] = csf_factor(s, true);
    }
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }

  void init(const Geometry& g) override {
    flt::check_depth(name_, g.bpc);
    // The smallest bands (of scale 3) need 2x2 samples for the masking
    // neighbourhoods libvmaf reads.
    if (g.width < 17 || g.height < 17)
      throw InputError("float_adm needs frames of at least 17x17 pixels (got " + std::to_string(g.width) + "x" +
                       std::to_string(g.height) + ")");
    kernels_ = kernels::select_float_adm_kernels();
    width_[0] = g.width;
    height_[0] = g.height;
    for (int s = 0; s < kScales; ++s) {
      width_[s + 1] = (width_[s] + 1) / 2;
      height_[s + 1] = (height_[s] + 1) / 2;
    }
    ref_.resize(g.width, g.height);
    dis_.resize(g.width, g.height);
    const int bw = width_[1], bh = height_[1];
    for (auto* set : {&ref_bands_, &dis_bands_})
      for (auto& b : *set) b.resize(bw, bh);
    for (auto& b : work_) b.resize(bw, bh);
    scratch_aligned_ = scratch_.reset(kernels::float_adm_scratch_floats(g.width));
  }

  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    (void)index;
    flt::load_plane(pair.ref, -128.0f, ref_);
    flt::load_plane(pair.dist, -128.0f, dis_);
    const std::ptrdiff_t bs = ref_bands_[0].stride();
    double num = 0, den = 0, aim_num = 0, aim_den = 0;
    std::array<double, 2 * kScales> scores{};
    for (int s = 0; s < kScales; ++s) {
      const bool lo_only = s == 0 && skip_scale0_;
      wavelet(s, true, lo_only);
      wavelet(s, false, lo_only);
      const int w = width_[s + 1], h = height_[s + 1];
      float num_scale = 0.0f, den_scale = 0.0f, aim_scale = 0.0f;
      if (lo_only) {
        den_scale = 1e-10f;
      } else {
        kernels::FloatAdmDecoupleArgs d;
        for (int b = 0; b < 3; ++b) {
          d.ref.band[b] = ref_bands_[b + 1].row(0);
          d.dis.band[b] = dis_bands_[b + 1].row(0);
          d.csf_r.band[b] = work_[b].row(0);
          d.flt_r.band[b] = work_[3 + b].row(0);
          d.csf_a.band[b] = work_[6 + b].row(0);
          d.flt_a.band[b] = work_[9 + b].row(0);
          d.factor[b] = factor_[s][b];
        }
        d.stride = bs;
        d.left = std::max(outer_start(w), 0);
        d.top = std::max(outer_start(h), 0);
        d.right = std::min(w - outer_start(w) + 2, w);
        d.bottom = std::min(h - outer_start(h) + 2, h);
        d.gain_limit = gain_limit_;
        kernels_.decouple(d);

        kernels::FloatAdmMaskArgs m;
        m.stride = bs;
        m.width = w;
        m.height = h;
        m.left = inner_start(w);
        m.top = inner_start(h);
        m.right = w - m.left;
        m.bottom = h - m.top;
        m.p_norm = static_cast<float>(p_norm_);
        m.cube = p_norm_ == 3.0;
        m.scratch = scratch_aligned_;
        const float noise = noise_term(m.right - m.left, m.bottom - m.top, noise_weight_);
        // Denominator: the reference's CSF-weighted detail energy.
        m.bypass = true;
        for (int b = 0; b < 3; ++b) {
          m.x.band[b] = ref_bands_[b + 1].row(0);
          m.x_factor[b] = factor_[s][b];
        }
        den_scale = pooled(kernels_.mask(m), noise);
        // Detail loss: the restored part, masked by the impairment.
        m.bypass = bypass_cm_;
        for (int b = 0; b < 3; ++b) {
          m.x.band[b] = work_[b].row(0);
          m.x_factor[b] = 1.0f;
          m.masker.band[b] = work_[6 + b].row(0);
          m.masker_flt.band[b] = work_[9 + b].row(0);
        }
        num_scale = pooled(kernels_.mask(m), noise);
        // Additive impairment, masked by the restored part (no noise floor).
        for (int b = 0; b < 3; ++b) {
          m.x.band[b] = work_[6 + b].row(0);
          m.masker.band[b] = work_[b].row(0);
          m.masker_flt.band[b] = work_[3 + b].row(0);
        }
        aim_scale = pooled(kernels_.mask(m), noise_term(m.right - m.left, m.bottom - m.top, 0.0));
      }
      num += num_scale;
      den += den_scale;
      if (skip_aim_scale_ != s) {
        aim_den += den_scale;
        aim_num += aim_scale;
      }
      scores[2 * s] = num_scale;
      scores[2 * s + 1] = den_scale;
    }
    const double limit = 1e-10 * (width_[0] * height_[0]) / (1920.0 * 1080.0);
    num = num < limit ? 0 : num;
    den = den < limit ? 0 : den;
    // libvmaf leaves aim unset when den is 0 (a flat reference with
    // adm_noise_weight=0); it is 0 here.
    double score = 1.0, aim = 0.0;
    if (den != 0.0) {
      const double ratio = aim_num / aim_den;
      aim = ratio < 1.0f ? ratio : 1.0f;
      score = num / den;
    }
    out[0] = score;
    out[1] = aim;
    const double adm3 = apply_hm_ ? 2 * score * aim / (score + aim)
                                  : score * dlm_weight_ + (1 - aim) * (1 - dlm_weight_);
    out[2] = adm3 > min_val_ ? adm3 : min_val_;
    for (int s = 0; s < kScales; ++s) out[3 + s] = scores[2 * s] / scores[2 * s + 1];
    if (!debug_) return;
    out[7] = score;
    out[8] = num;
    out[9] = den;
    for (int i = 0; i < 2 * kScales; ++i) out[10 + i] = scores[i];
  }

 private:
  float csf_factor(int scale, bool diagonal) const {
    float f;
    if (csf_mode_ == kBarten)
      f = barten_csf(scale, view_dist_, display_height_, diagonal ? csf_diag_scale_ : csf_scale_);
    else if (csf_mode_ == kNative)
      f = native_csf(scale, view_dist_, display_height_, diagonal);
    else
      f = 1.0f / watson_step(scale, diagonal ? 2 : 1, view_dist_, display_height_);
    const double over = override_[diagonal ? 1 : 0][scale];
    return over >= 0 ? static_cast<float>(over) : f;
  }

  // (w * h * weight)^(1/p), libvmaf's noise floor of a band sum.
  float noise_term(int w, int h, double weight) const {
    return exact::powf(static_cast<float>(w * h * weight), static_cast<float>(1.0f / p_norm_));
  }

  // The three band sums as sum^(1/p) plus the noise floor, added in float.
  float pooled(const kernels::FloatAdmSums& sums, float noise) const {
    const auto inv = static_cast<float>(1.0f / p_norm_);
    return (exact::powf(sums.band[0], inv) + noise) + (exact::powf(sums.band[1], inv) + noise) +
           (exact::powf(sums.band[2], inv) + noise);
  }

  // The wavelet of scale s for one picture, from the luma or the previous approximation band.
  void wavelet(int s, bool ref, bool lo_only) {
    auto& bands = ref ? ref_bands_ : dis_bands_;
    const flt::FloatPlane& src = s == 0 ? (ref ? ref_ : dis_) : bands[0];
    const int w = width_[s], h = height_[s];
    rows_.resize(static_cast<std::size_t>(h + 3));
    for (int i = -1; i < h + 2; ++i) {
      const int r = i < 0 ? -i : i >= h ? 2 * h - i - 1 : i;
      rows_[static_cast<std::size_t>(i + 1)] = src.row(r);
    }
    // Scale s > 0 overwrites band a of scale s - 1 as it reads it, as
    // libvmaf does: the kernels write output row i after reading input rows
    // 2i - 1 .. 2i + 2, and later output rows read only rows below row i.
    kernels::FloatAdmDwtArgs a;
    a.rows = rows_.data() + 1;
    a.width = w;
    a.height = h;
    a.approximation_only = lo_only;
    a.a = bands[0].row(0);
    a.h = bands[1].row(0);
    a.v = bands[2].row(0);
    a.d = bands[3].row(0);
    a.stride = bands[0].stride();
    a.scratch = scratch_aligned_;
    kernels_.dwt(a);
  }

  std::string name_ = "float_adm";
  std::vector<std::string> provides_;
  bool debug_ = false, apply_hm_ = false, skip_scale0_ = false, bypass_cm_ = false;
  double gain_limit_ = 100.0, view_dist_ = 3.0, noise_weight_ = 0.03125, csf_scale_ = 1.0, csf_diag_scale_ = 1.0;
  double p_norm_ = 3.0, dlm_weight_ = 0.5, min_val_ = 0.0;
  int display_height_ = 1080, csf_mode_ = kWatson, skip_aim_scale_ = -1;
  std::array<std::array<double, kScales>, 2> override_{};
  std::array<std::array<float, 3>, kScales> factor_{};
  std::array<int, kScales + 1> width_{}, height_{};
  kernels::FloatAdmKernels kernels_{};
  flt::FloatPlane ref_, dis_;
  std::array<flt::FloatPlane, 4> ref_bands_, dis_bands_;  // a, h, v, d
  std::array<flt::FloatPlane, 12> work_;                  // csf_r, flt_r, csf_a, flt_a (h, v, d each)
  std::vector<const float*> rows_;
  flt::FloatScratch scratch_;
  float* scratch_aligned_ = nullptr;
};

}  // namespace

std::unique_ptr<Extractor> make_float_adm(const OptionMap& options) {
  return std::make_unique<FloatAdmExtractor>(options);
}

}  // namespace pvt::feature
