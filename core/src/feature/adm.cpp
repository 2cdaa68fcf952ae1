// integer_adm2, integer_aim, integer_adm3 and integer_adm_scale0..3, as
// libvmaf 3.2's fixed-point ADM computes them: a 4-level db2 DWT of both
// pictures, decoupling of the distorted detail bands into restored and
// additive parts, contrast sensitivity weighting, contrast masking, and a
// ratio of cube-root pooled sums (restored part over reference) per scale and
// overall. AIM (additive impairment) masks the additive part by the restored
// one instead, over the same denominator; adm3 blends adm2 with 1 - aim.
//
// adm_row_step (rs) N > 1 gives a cheap estimate instead: each scale s pools
// only every max(1, N >> s)-th row of its pooled rectangle (the same rows of
// the picture at every scale; kernels::AdmRowSample), with sums scaled up to
// the whole rectangle, so scale 0 costs little more than its approximation
// band. adm_sample_rows (sr) R picks the step for about R pooled rows at
// scale 0 instead, max(1, rows / R): the same share of the picture at any
// size, and every row of small ones. The sums are integers, so the estimate
// is the same on every ISA.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <span>
#include <string>
#include <vector>

#include "../common/exact_math.hpp"
#include "kernels/adm_kernels.hpp"
#include "barten_csf.hpp"
#include "options.hpp"
#include "row_sample.hpp"
#include "pyvmaf_tiny/buffer_pool.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "registry_entries.hpp"

namespace pvt::feature {
namespace {

using kernels::AdmDetail;
using kernels::AdmRect;

constexpr int kScales = 4;
constexpr double kDefaultGainLimit = 100.0;
constexpr double kDefaultViewDist = 3.0;
constexpr int kDefaultDisplayHeight = 1080;
constexpr double kDefaultNoiseWeight = 0.03125;
constexpr double kDefaultDlmWeight = 0.5;
constexpr double kBorder = 0.1;  // fraction of each band edge left out of the pooling

// libvmaf's adm_csf_mode: where the CSF factors come from.
enum CsfMode { kWatson = 0, kBarten = 1, kBlend = 2, kBlendMae = 3 };

// Output slots, in libvmaf's order; the debug outputs follow (see kDebug*).
enum Slot { kAdm2, kAim, kAdm3, kScale0 };
constexpr int kBaseOutputs = kScale0 + kScales;
// With debug: adm, its numerator and denominator, then each scale's.
constexpr int kDebugOutputs = 3 + 2 * kScales;

// Watson et al. 1997 wavelet quantisation noise model for luma: a, k, f0,
// g per orientation (ll, lh, hh, hl) and basis amplitudes per level.
constexpr float kModelA = 0.495f, kModelK = 0.466f, kModelF0 = 0.401f;
constexpr float kModelG[4] = {1.501f, 1.0f, 0.534f, 1.0f};
constexpr float kAmplitude[4][4] = {{0.62171f, 0.67234f, 0.72709f, 0.67234f},
                                    {0.34537f, 0.41317f, 0.49428f, 0.41317f},
                                    {0.18004f, 0.22727f, 0.28688f, 0.22727f},
                                    {0.091401f, 0.11792f, 0.15214f, 0.11792f}};

// Reciprocal of the visibility threshold of level `lambda`, orientation `theta`.
float watson_factor(int lambda, int theta, double view_dist, int display_height) {
  const float dvr = static_cast<float>(view_dist * display_height * std::numbers::pi / 180.0);
  const float t = static_cast<float>(
      exact::log10(exact::pow(2.0, lambda + 1) * kModelF0 * kModelG[theta] / dvr));
  const float kt2 = kModelK * t * t;
  const float q = static_cast<float>(2.0 * kModelA * exact::pow(10.0, kt2) / kAmplitude[lambda][theta]);
  return 1.0f / q;
}

// libvmaf's fitted blends of the Barten and Watson CSFs (mode 2, and mode 3
// fitted for mean absolute error), per viewing condition: factors for
// h / v and for d, per scale. Conditions of equal pixels per degree share a
// table (2160 lines at 1.5 H are 1080 at 3 H).
struct BlendTable {
  int display_height;
  double view_dist;
  float hv[4], d[4];
};
constexpr BlendTable kBlendTables[] = {
    {1080, 3.0, {0.01183f, 0.025026f, 0.04295f, 0.058621f}, {0.004302f, 0.011778f, 0.023918f, 0.035901f}},
    {1080, 5.0, {0.004212f, 0.014809f, 0.029642f, 0.047464f}, {0.000984f, 0.005852f, 0.0146f, 0.027574f}},
    {2160, 1.5, {0.01183f, 0.025026f, 0.04295f, 0.058621f}, {0.004302f, 0.011778f, 0.023918f, 0.035901f}},
    {2160, 3.0, {0.00226f, 0.01183f, 0.025026f, 0.04295f}, {0.000479f, 0.004302f, 0.011778f, 0.023918f}},
    {2160, 5.0, {0.000092f, 0.004212f, 0.014809f, 0.029642f}, {0.00005f, 0.000984f, 0.005852f, 0.0146f}},
    {720, 3.0, {0.018715f, 0.035637f, 0.052798f, 0.061509f}, {0.007999f, 0.018396f, 0.031851f, 0.037718f}},
    {720, 5.0, {0.010144f, 0.022561f, 0.040309f, 0.05672f}, {0.003463f, 0.010282f, 0.021839f, 0.034641f}},
    {480, 3.0, {0.027961f, 0.045875f, 0.060275f, 0.056234f}, {0.013572f, 0.026277f, 0.036959f, 0.034511f}},
    {480, 5.0, {0.016781f, 0.032822f, 0.05032f, 0.061594f}, {0.00691f, 0.016545f, 0.029917f, 0.037777f}},
};
constexpr BlendTable kBlendMaeTables[] = {
    {1080, 3.0, {0.011249f, 0.022606f, 0.035930f, 0.045673f}, {0.004097f, 0.010921f, 0.021430f, 0.031313f}},
    {1080, 5.0, {0.004052f, 0.013939f, 0.026298f, 0.038833f}, {0.000927f, 0.005544f, 0.013415f, 0.024515f}},
    {2160, 1.5, {0.011249f, 0.022606f, 0.035930f, 0.045673f}, {0.004097f, 0.010921f, 0.021430f, 0.031313f}},
    {2160, 3.0, {0.002166f, 0.011249f, 0.022606f, 0.035930f}, {0.000447f, 0.004097f, 0.010921f, 0.021430f}},
    {2160, 5.0, {0.000077f, 0.004052f, 0.013939f, 0.026298f}, {0.000045f, 0.000927f, 0.005544f, 0.013415f}},
    {720, 3.0, {0.017329f, 0.030870f, 0.042134f, 0.047410f}, {0.007509f, 0.016707f, 0.028072f, 0.032722f}},
    {720, 5.0, {0.009689f, 0.020577f, 0.034162f, 0.044523f}, {0.003302f, 0.009579f, 0.019661f, 0.030318f}},
    {480, 3.0, {0.024969f, 0.037825f, 0.046676f, 0.043974f}, {0.012511f, 0.023424f, 0.032139f, 0.030166f}},
    {480, 5.0, {0.015665f, 0.028766f, 0.040612f, 0.047483f}, {0.006514f, 0.015107f, 0.026476f, 0.032776f}},
};

const BlendTable* blend_table(int mode, double view_dist, int display_height) {
  for (const auto& t : mode == kBlend ? std::span<const BlendTable>(kBlendTables) : std::span<const BlendTable>(kBlendMaeTables))
    if (t.display_height == display_height && t.view_dist == view_dist) return &t;
  return nullptr;
}

// A CSF factor in fixed point with `bits` fraction bits, converted as
// libvmaf's AVX-512 build converts it. Barten's factors exceed 1, so the
// result is out of range: a 16-bit one keeps the low bits of a 32-bit
// conversion (whose out-of-range value is 2^31), a 32-bit one saturates.
template <class U>
U fixed_point(float factor, int bits) {
  const double x = std::trunc(static_cast<double>(factor) * exact::pow(2.0, bits));
  if constexpr (sizeof(U) < 4) {
    const std::uint32_t wide = x < 2147483648.0 ? static_cast<std::uint32_t>(x) : std::uint32_t{1} << 31;
    return static_cast<U>(wide & 0xffffu);
  } else {
    return x < 4294967296.0 ? static_cast<U>(x) : static_cast<U>(0xffffffffu);
  }
}

std::uint32_t ceil_log2_u32(double x) { return static_cast<std::uint32_t>(std::ceil(exact::log2(x))); }

// The rectangle the reference computes decoupling and CSF on: the pooled
// region grown by one tap on the near side and two on the far side.
AdmRect work_rect(int w, int h) {
  int left = static_cast<int>(w * kBorder - 0.5 - 1);
  int top = static_cast<int>(h * kBorder - 0.5 - 1);
  int right = w - left + 2;
  int bottom = h - top + 2;
  return {std::max(top, 0), std::min(bottom, h), std::max(left, 0), std::min(right, w)};
}

// The pooled region.
AdmRect pool_rect(int w, int h) {
  const int left = static_cast<int>(w * kBorder - 0.5);
  const int top = static_cast<int>(h * kBorder - 0.5);
  return {top, h - top, left, w - left};
}

template <class T>
AdmDetail<const T> as_const(AdmDetail<T> b) {
  return {b.h, b.v, b.d};
}

// Input indices under the taps of one DWT level, as libvmaf builds them:
// output k reads 2k-1 .. 2k+2, past the end the edge sample repeats
// (n -> n-1), and output 0 reads 1, 0, 1, 2 -- except that for an input of 3
// or 4 samples the end rule overrides it with -1, 0, 1, 2.
//
// `simd_block` > 0 emulates a horizontal pass that filters outputs 1, 2, ...
// in whole blocks of that many columns by reading the input row
// contiguously, leaving the remainder to the indexed code: when the blocks
// end exactly at the last output ((half - 1) % simd_block == 0), that output
// reads n and n + 1 unmirrored, i.e. past the end of the row.
std::vector<int> dwt_taps(int n, int simd_block = 0) {
  const int half = (n + 1) / 2;
  std::vector<int> taps(4 * static_cast<std::size_t>(half));
  for (int k = 0; k < half; ++k) {
    const bool near_end = half >= 2 && k >= half - 2;
    for (int t = 0; t < 4; ++t) {
      int i = 2 * k - 1 + t;
      if (k == 0 && !near_end && i < 0) i = 1;
      const bool blocked = simd_block > 0 && k >= 1 && k < half - (half - 1) % simd_block;
      if (i >= n && !blocked) i = 2 * n - i - 1;
      taps[4 * k + t] = i;
    }
  }
  return taps;
}

// The oracle's scale 0 horizontal pass is libvmaf's AVX-512 one, which works
// in blocks of 32 output columns for 8-bit input and 64 for deeper input (see
// dwt_taps()). For a band width of 1 + a multiple of the block (frame widths
// 65/66, 129/130, ... at 8 bits; 129/130, 257/258, ... above) its last column
// thus reads the first one or two values of the high-pass row that follows
// the low-pass row (approximation and vertical bands), and as many past the
// high-pass row (horizontal and diagonal bands; the reference reads stale
// scratch there, we read zeros -- that column of those bands never reaches a
// pooled value). The approximation's last column feeds the last two columns
// of every coarser scale, which narrow bands pool. Scales 1..3 of the oracle
// mirror at the edge like the C code (no blocked reads; checked against it).
int scale0_simd_block(int bpc) { return bpc == 8 ? 32 : 64; }

template <class T>
struct BandSet {
  PooledVector<T> storage;
  AdmDetail<T> ref, dis, rest, add, csf, mask;

  void allocate(std::size_t plane) {
    storage.assign(plane * 18, T{0});
    AdmDetail<T>* sets[6] = {&ref, &dis, &rest, &add, &csf, &mask};
    T* p = storage.data();
    for (auto* s : sets) {
      s->h = p;
      s->v = p + plane;
      s->d = p + 2 * plane;
      p += 3 * plane;
    }
  }
};

class AdmExtractor final : public Extractor {
 public:
  explicit AdmExtractor(const OptionMap& options, const char* name = "adm") : name_(name) {
    reject_unknown_options(name_, options,
                           {"adm_csf_diag_scale", "scfd", "adm_csf_mode", "csf", "adm_csf_scale", "scf",
                            "adm_dlm_weight", "dlmw", "adm_enhn_gain_limit", "egl", "adm_min_val", "min",
                            "adm_noise_weight", "nw", "adm_norm_view_dist", "nvd", "adm_ref_display_height", "rdh",
                            "adm_row_step", "rs", "adm_sample_rows", "sr", "adm_skip_aim", "adm_skip_scale0", "ssz",
                            "debug"});
    // The two CSF scales only weight the Barten CSF; otherwise they just name the outputs.
    const double diag_scale = option_double(options, "adm_csf_diag_scale", "scfd", 1.0, 0.0, 50.0);
    const double mode = option_double(options, "adm_csf_mode", "csf", kWatson, 0, 3);
    const double csf_scale = option_double(options, "adm_csf_scale", "scf", 1.0, 0.0, 50.0);
    dlm_weight_ = option_double(options, "adm_dlm_weight", "dlmw", kDefaultDlmWeight, 0.0, 1.0);
    gain_limit_ = option_double(options, "adm_enhn_gain_limit", "egl", kDefaultGainLimit, 1.0, 100.0);
    min_val_ = option_double(options, "adm_min_val", "min", 0.0, 0.0, 1.0);
    noise_weight_ = option_double(options, "adm_noise_weight", "nw", kDefaultNoiseWeight, 0.0, 1500.0);
    view_dist_ = option_double(options, "adm_norm_view_dist", "nvd", kDefaultViewDist, 0.75, 24.0);
    const double rdh = option_double(options, "adm_ref_display_height", "rdh", kDefaultDisplayHeight, 1, 4320);
    if (rdh != std::floor(rdh))
      throw InputError("option 'adm_ref_display_height': must be an integer");
    if (mode != std::floor(mode)) throw InputError("option 'adm_csf_mode': must be 0, 1, 2 or 3");
    csf_mode_ = static_cast<int>(mode);
    display_height_ = static_cast<int>(rdh);
    debug_ = option_bool(options, "debug", nullptr, false);
    // Without AIM, aim is 0 and adm3 weighs it as such; without scale 0,
    // its num is 0 and its den 1e-10 (libvmaf's). Only the second names the outputs.
    skip_aim_ = option_bool(options, "adm_skip_aim", nullptr, false);
    skip_scale0_ = option_bool(options, "adm_skip_scale0", "ssz", false);
    row_step_ = option_int(options, "adm_row_step", "rs", 1, 1, 256);
    sample_rows_ = option_int(options, "adm_sample_rows", "sr", 0, 0, 1 << 16);
    if (row_step_ != 1 && sample_rows_ != 0)
      throw InputError("adm: adm_row_step and adm_sample_rows are alternatives; give one");
    aim_ = !skip_aim_;
    // The fixed-point pipeline cannot represent coarser angular resolutions.
    if (view_dist_ * display_height_ < kDefaultViewDist * kDefaultDisplayHeight)
      throw InputError("adm: adm_norm_view_dist * adm_ref_display_height must be at least 3 * 1080");
    if ((csf_mode_ == kBlend || csf_mode_ == kBlendMae) && !blend_table(csf_mode_, view_dist_, display_height_))
      // libvmaf takes its error code for a factor and writes NaN scores.
      throw InputError("adm: adm_csf_mode " + std::to_string(csf_mode_) +
                       " is defined for display heights 480, 720, 1080 and 2160 at 3 or 5 heights "
                       "(and 2160 at 1.5), not adm_ref_display_height " + std::to_string(display_height_) +
                       " at adm_norm_view_dist " + double_suffix("", view_dist_).substr(2));

    // libvmaf names the outputs after the options that differ from their
    // defaults, in alphabetical order of the option names.
    std::string suffix;
    if (diag_scale != 1.0) suffix += double_suffix("scfd", diag_scale);
    if (csf_mode_ != kWatson) suffix += "_csf_" + std::to_string(csf_mode_);
    if (csf_scale != 1.0) suffix += double_suffix("scf", csf_scale);
    if (dlm_weight_ != kDefaultDlmWeight) suffix += double_suffix("dlmw", dlm_weight_);
    if (gain_limit_ != kDefaultGainLimit) suffix += double_suffix("egl", gain_limit_);
    if (min_val_ != 0.0) suffix += double_suffix("min", min_val_);
    if (noise_weight_ != kDefaultNoiseWeight) suffix += double_suffix("nw", noise_weight_);
    if (view_dist_ != kDefaultViewDist) suffix += double_suffix("nvd", view_dist_);
    if (display_height_ != kDefaultDisplayHeight) suffix += "_rdh_" + std::to_string(display_height_);
    if (row_step_ != 1) suffix += "_rs_" + std::to_string(row_step_);
    if (sample_rows_ != 0) suffix += "_sr_" + std::to_string(sample_rows_);
    if (skip_scale0_) suffix += "_ssz";
    for (const char* f : {"integer_adm2", "integer_aim", "integer_adm3", "integer_adm_scale0", "integer_adm_scale1",
                          "integer_adm_scale2", "integer_adm_scale3"})
      provides_.push_back(f + suffix);
    if (debug_) {
      for (const char* f : {"integer_adm", "integer_adm_num", "integer_adm_den"}) provides_.push_back(f + suffix);
      for (int s = 0; s < kScales; ++s)
        for (const char* f : {"integer_adm_num_scale", "integer_adm_den_scale"})
          provides_.push_back(f + std::to_string(s) + suffix);
    }

    for (int s = 0; s < kScales; ++s) {
      switch (csf_mode_) {
        case kBlend:
        case kBlendMae: {
          const BlendTable* t = blend_table(csf_mode_, view_dist_, display_height_);
          factor_[s][0] = factor_[s][1] = t->hv[s];
          factor_[s][2] = t->d[s];
          break;
        }
        case kBarten:
          factor_[s][0] = factor_[s][1] = barten_csf(s, view_dist_, display_height_, csf_scale);
          factor_[s][2] = barten_csf(s, view_dist_, display_height_, diag_scale);
          break;
        default:
          factor_[s][0] = factor_[s][1] = watson_factor(s, 1, view_dist_, display_height_);
          factor_[s][2] = watson_factor(s, 2, view_dist_, display_height_);
      }
    }
    if (csf_mode_ == kWatson &&
        std::fabs(view_dist_ * display_height_ - kDefaultViewDist * kDefaultDisplayHeight) < 1.0e-8) {
      factor0_q_[0] = factor0_q_[1] = 36453;
      factor0_q_[2] = 49417;
    } else {
      factor0_q_[0] = factor0_q_[1] = fixed_point<std::uint16_t>(factor_[0][0], 21);
      factor0_q_[2] = fixed_point<std::uint16_t>(factor_[0][2], 23);
    }
    for (int s = 1; s < kScales; ++s)
      for (int o = 0; o < 3; ++o) factorn_q_[s][o] = fixed_point<std::uint32_t>(factor_[s][o], 32);
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }

  // adm2, aim, adm3 and the debug outputs need every scale, aim and adm3 the
  // AIM pass; without them, scales past the deepest wanted one are skipped.
  void restrict_outputs(const std::vector<bool>& wanted) override {
    const bool all_scales = wanted.at(kAdm2) || wanted.at(kAim) || wanted.at(kAdm3) ||
                            std::find(wanted.begin() + kBaseOutputs, wanted.end(), true) != wanted.end();
    aim_ = !skip_aim_ && (wanted.at(kAim) || wanted.at(kAdm3));
    last_scale_ = kScales - 1;
    if (!all_scales)
      while (last_scale_ > 0 && !wanted.at(static_cast<std::size_t>(kScale0 + last_scale_))) --last_scale_;
  }

  void init(const Geometry& g) override {
    // libvmaf crashes on anything smaller. Up to 32 pixels its last DWT level
    // reads outside its buffers, which is reproduced below.
    if (g.width < 17 || g.height < 17)
      throw InputError("adm needs frames of at least 17x17 pixels");
    geometry_ = g;
    if (sample_rows_ > 0) {
      const AdmRect pool = pool_rect((g.width + 1) / 2, (g.height + 1) / 2);
      row_step_ = std::clamp((pool.bottom - pool.top) / sample_rows_, 1, 256);
    }
    int w = g.width, h = g.height;
    for (int s = 0; s < kScales; ++s) {
      in_w_[s] = w;
      in_h_[s] = h;
      rows_[s] = dwt_taps(h);
      cols_[s] = dwt_taps(w, s == 0 ? scale0_simd_block(g.bpc) : 0);
      w = (w + 1) / 2;
      h = (h + 1) / 2;
      plan_scale(s);
    }
    const int w0 = (g.width + 1) / 2, h0 = (g.height + 1) / 2;
    const int w1 = (w0 + 1) / 2, h1 = (h0 + 1) / 2;
    stride0_ = (w0 + 31) / 32 * 32;
    striden_ = (w1 + 15) / 16 * 16;
    guard_rest_.assign(static_cast<std::size_t>(w0), 0);
    k_ = kernels::select_adm_kernels(g.bpc);
    // Factors of 2^31 and up (Barten's) take libvmaf's AVX-512 column split
    // between signed and unsigned arithmetic, which the stage kernels follow
    // and the fused passes do not.
    for (int s = 1; s < kScales; ++s)
      for (int o = 0; o < 3; ++o)
        if (factorn_q_[s][o] >= 0x80000000u) k_.fused = {};
    if (rows_[3][0] < 0) {
      // Frame heights 17..32 (see fill_guard_rows()): the guard row is what
      // libvmaf's last scale 0 CSF pass left behind.
      if (skip_scale0_)
        throw InputError("adm: adm_skip_scale0 needs frames more than 32 pixels high (below, libvmaf reads memory "
                         "it never wrote)");
      if (skip_aim_) k_.fused = {};  // the stage kernels keep the additive band it comes from
    }
    // libvmaf's low-pass-only DWT reads mirrored columns (no SIMD blocks).
    if (skip_scale0_) cols_[0] = dwt_taps(g.width);
    // One guard row in front of each approximation band (a row tap of -1).
    // The fused passes keep scale 0's in approx16_, so these only hold
    // scales 1 and 2 (at most h1 rows of striden_ after approx(i)'s offset).
    const std::size_t approx_size = k_.fused.scale0
                                        ? static_cast<std::size_t>(stride0_ + striden_ * h1)
                                        : static_cast<std::size_t>(stride0_) * (h0 + 1);
    for (auto& a : approx_) a.assign(approx_size, 0);
    if (k_.fused.scale0) {
      fused_scratch_.assign(k_.fused.scratch_bytes(g.width) + 64, 0);
      for (auto& a : approx16_) a.assign(static_cast<std::size_t>(stride0_) * h0, 0);
      b0_ = {};
      bn_ = {};
      tmp16_.assign(skip_scale0_ ? static_cast<std::size_t>(g.width) : 0, 0);  // its vertical pass
      tmp32_ = {};
    } else {
      fused_scratch_ = {};
      for (auto& a : approx16_) a = {};
      if (!skip_scale0_) b0_.allocate(static_cast<std::size_t>(stride0_) * h0);
      bn_.allocate(static_cast<std::size_t>(striden_) * h1);
      // Two spare values after the rows for the blocked last column (see
      // scale0_simd_block()).
      tmp16_.assign(2 * static_cast<std::size_t>(g.width) + 2, 0);
      tmp32_.assign(1 + 4 * static_cast<std::size_t>(w0), 0);
    }
    // Ladder mode shares the reference's work through the fused passes, for
    // frames whose DWT taps stay inside every band (see AdmScale0Ladder);
    // without scale 0 (adm_skip_scale0) it goes pair by pair.
    ladder_.clear();
    ladder_scratch_ = {};
    bool inside = true;
    for (int s = 0; s < kScales; ++s) inside = inside && in_w_[s] >= 5 && in_h_[s] >= 5;
    if (g.encodes > 1 && inside && k_.fused.ladder_scale0 && !skip_scale0_) {
      const int n = static_cast<int>(g.encodes);
      ladder_scratch_.assign(k_.fused.ladder_scratch_bytes(g.width, n) + 64, 0);
      // The first encode's are the single pair's.
      ladder_.resize(g.encodes);
      ladder_[0].approx16 = approx16_[1].data();
      ladder_[0].approx[0] = approx_[1].data();
      ladder_[0].approx[1] = approx_[3].data();
      for (std::size_t k = 1; k < ladder_.size(); ++k) {
        LadderBands& e = ladder_[k];
        e.storage16.assign(static_cast<std::size_t>(stride0_) * h0, 0);
        e.approx16 = e.storage16.data();
        for (int i = 0; i < 2; ++i) {
          e.storage[i].assign(approx_size, 0);
          e.approx[i] = e.storage[i].data();
        }
      }
    }
  }

  void extract(const PicturePair& pair, unsigned, std::span<double> out) override {
    kernels::AdmScaleSums sums[kScales] = {};
    if (k_.fused.scale0)
      run_fused(pair, sums);
    else
      run_stages(pair, sums);
    write_outputs(sums, out);
  }

  // The reference's DWT, denominator and decoupling terms once per row for
  // every encode (the fused passes' ladder mode); else one pair at a time.
  void extract_ladder(std::span<const PicturePair> pairs, unsigned index,
                      std::span<const std::span<double>> outs) override {
    if (ladder_.empty()) return Extractor::extract_ladder(pairs, index, outs);
    const int n = static_cast<int>(pairs.size());
    if (n > static_cast<int>(ladder_.size())) throw Error("adm: more encodes than init() was told of");
    void* scratch = aligned64(ladder_scratch_.data());
    std::vector<kernels::AdmScaleSums> sums(static_cast<std::size_t>(n) * kScales);  // [e * kScales + s]
    std::vector<kernels::AdmScaleSums> part(static_cast<std::size_t>(n));
    const auto gather = [&](int s) {
      for (int e = 0; e < n; ++e) sums[static_cast<std::size_t>(e * kScales + s)] = part[static_cast<std::size_t>(e)];
    };
    {
      const kernels::AdmScale0Job job = scale0_job(pairs[0]);
      std::vector<const Plane*> dis(static_cast<std::size_t>(n));
      std::vector<std::int16_t*> dis_approx(static_cast<std::size_t>(n));
      for (int e = 0; e < n; ++e) {
        dis[static_cast<std::size_t>(e)] = &pairs[static_cast<std::size_t>(e)].dist;
        dis_approx[static_cast<std::size_t>(e)] = ladder_[static_cast<std::size_t>(e)].approx16;
      }
      k_.fused.ladder_scale0({&job, n, dis.data(), dis_approx.data()}, scratch, part.data());
      gather(0);
    }
    std::vector<kernels::AdmScaleNJob> jobs(static_cast<std::size_t>(n));
    for (int s = 1; s <= last_scale_; ++s) {
      const int in = (s - 1) % 2 * 2, out = s % 2 * 2;
      for (int e = 0; e < n; ++e) {
        LadderBands& b = ladder_[static_cast<std::size_t>(e)];
        kernels::AdmScaleNJob& job = jobs[static_cast<std::size_t>(e)];
        job = scalen_job(s);
        if (s == 1)
          job.dis_src16 = b.approx16;
        else
          job.dis_src = b.approx[in / 2] + (in < 2 ? stride0_ : striden_);
        job.dis_approx = s + 1 < kScales ? b.approx[out / 2] + (out < 2 ? stride0_ : striden_) : nullptr;
      }
      k_.fused.ladder_scalen(jobs.data(), n, scratch, part.data());
      gather(s);
    }
    for (int e = 0; e < n; ++e) write_outputs(&sums[static_cast<std::size_t>(e * kScales)], outs[e]);
  }

 private:
  static void* aligned64(void* p) {
    const auto misalign = reinterpret_cast<std::uintptr_t>(p) % 64;
    return static_cast<std::uint8_t*>(p) + (misalign ? 64 - misalign : 0);
  }

  // The outputs from each scale's sums.
  void write_outputs(const kernels::AdmScaleSums* sums, std::span<double> out) const {
    std::fill(out.begin(), out.end(), 0.0);
    float num[kScales] = {}, den[kScales] = {}, aim[kScales] = {};
    for (int s = 0; s <= last_scale_; ++s) pool(s, sums[s], num[s], den[s], aim[s]);
    for (int s = 0; s <= last_scale_; ++s)
      out[kScale0 + s] = static_cast<double>(num[s]) / static_cast<double>(den[s]);
    if (last_scale_ < kScales - 1) return;

    double num_total = 0, den_total = 0, aim_total = 0;
    for (int s = 0; s < kScales; ++s) {
      num_total += num[s];
      den_total += den[s];
      aim_total += aim[s];
    }
    const double limit = 1e-10 * (static_cast<double>(static_cast<std::int64_t>(geometry_.width) * geometry_.height)) /
                         (1920.0 * 1080.0);
    if (num_total < limit) num_total = 0;
    if (den_total < limit) den_total = 0;
    // Without a denominator libvmaf leaves aim unset (only possible with
    // adm_noise_weight 0 on flat content); it is 0 here.
    const double score = den_total == 0.0 ? 1.0 : num_total / den_total;
    const double aim_score = den_total == 0.0 ? 0.0 : aim_total / den_total;
    out[kAdm2] = score;
    out[kAim] = aim_score;
    // libvmaf's MAX: a NaN blend (Barten's CSF can give one) yields adm_min_val.
    const double adm3 = score * dlm_weight_ + (1 - aim_score) * (1 - dlm_weight_);
    out[kAdm3] = adm3 > min_val_ ? adm3 : min_val_;
    if (debug_) {
      std::size_t i = kBaseOutputs;
      out[i++] = score;
      out[i++] = num_total;
      out[i++] = den_total;
      for (int s = 0; s < kScales; ++s) {
        out[i++] = num[s];
        out[i++] = den[s];
      }
    }
  }

 private:
  // Everything about one scale's pooling that only depends on the geometry.
  struct ScalePlan {
    int w = 0, h = 0;  // band size
    AdmRect work, pool;
    int simd_end = 0;  // adm_decouple_simd_end(work)
    float floor = 0;   // noise_floor(pool)
    kernels::AdmRowSample sample;         // adm_row_step: flags in row_flags
    std::vector<std::uint8_t> row_flags;  // per band row: pooled
    double sample_scale = 1;              // pooled rectangle rows / pooled rows
    // Denominator shifts and normalisation.
    int den0_row_shift = 0;
    kernels::AdmDenShifts dens{};
    double den_scale = 1;
    // Numerator parameters and normalisation.
    kernels::AdmCm0Params cm0{};
    kernels::AdmCmNParams cmn{};
    double num_scale0[3] = {1, 1, 1};
    float num_scalen = 1;
  };

  void plan_scale(int s) {
    ScalePlan& p = plan_[s];
    const int w = (in_w_[s] + 1) / 2, h = (in_h_[s] + 1) / 2;
    p.w = w;
    p.h = h;
    p.work = work_rect(w, h);
    p.pool = pool_rect(w, h);
    p.simd_end = kernels::adm_decouple_simd_end(p.work);
    p.floor = noise_floor(p.pool, noise_weight_);
    // Row sampling: the pooled rows' share of the rectangle's scales the sums up.
    const int pool_rows = p.pool.bottom - p.pool.top;
    const int step = std::max(1, row_step_ >> s);
    p.row_flags.clear();
    p.sample = {};
    p.sample_scale = 1.0;
    if (step > 1 && pool_rows > 0) {
      const std::vector<int> rows = sampled_rows(p.pool.top, p.pool.bottom, step);
      p.row_flags.assign(static_cast<std::size_t>(h), 0);
      for (const int r : rows) p.row_flags[static_cast<std::size_t>(r)] = 1;
      p.sample.rows = p.row_flags.data();
      p.sample_scale = static_cast<double>(pool_rows) / static_cast<double>(rows.size());
    }
    if (s == 0) {
      const int area = (p.pool.bottom - p.pool.top) * (p.pool.right - p.pool.left);
      int row_shift = static_cast<int>(std::ceil(exact::log2(area) - 20));
      row_shift = std::max(row_shift, 0);
      p.den0_row_shift = row_shift;
      p.den_scale = exact::pow(2.0, 18 - row_shift);

      kernels::AdmCm0Params& prm = p.cm0;
      std::copy(factor0_q_, factor0_q_ + 3, prm.factor);
      const std::uint32_t cube_hv = static_cast<std::uint32_t>(std::ceil(exact::log2(w) - 4));
      const std::uint32_t cube_d = static_cast<std::uint32_t>(std::ceil(exact::log2(w) - 3));
      const std::uint32_t rows = ceil_log2_u32(h);
      prm.cube_shift[0] = prm.cube_shift[1] = static_cast<int>(cube_hv);
      prm.cube_shift[2] = static_cast<int>(cube_d);
      for (int o = 0; o < 3; ++o) prm.cube_round[o] = kernels::adm_cm0_cube_round(prm.cube_shift[o]);
      prm.row_shift = static_cast<int>(rows);
      prm.simd = kernels::adm_cm0_simd_rect(p.pool, w, h);
      p.num_scale0[0] = p.num_scale0[1] = exact::pow(2.0, static_cast<std::uint32_t>(52 - cube_hv - rows));
      p.num_scale0[2] = exact::pow(2.0, static_cast<std::uint32_t>(57 - cube_d - rows));
      return;
    }
    constexpr int kSquareShift[3] = {31, 30, 31};
    constexpr std::uint32_t kDenExp[3] = {32, 27, 23};
    const std::uint32_t dcube = ceil_log2_u32(p.pool.right - p.pool.left);
    const std::uint32_t drows = ceil_log2_u32(p.pool.bottom - p.pool.top);
    p.dens.square = kSquareShift[s - 1];
    p.dens.cube = static_cast<int>(dcube);
    p.dens.row = static_cast<int>(drows);
    // Exponents are unsigned in the reference: a negative one wraps to a
    // huge one and the sum to 0 (only for frames of many gigapixels).
    p.den_scale = exact::pow(2.0, static_cast<std::uint32_t>(kDenExp[s - 1] - drows - dcube));

    kernels::AdmCmNParams& prm = p.cmn;
    std::copy(factorn_q_[s], factorn_q_[s] + 3, prm.factor);
    const std::uint32_t cube = ceil_log2_u32(w);
    const std::uint32_t rows = ceil_log2_u32(h);
    prm.cube_shift = static_cast<int>(cube);
    prm.row_shift = static_cast<int>(rows);
    constexpr std::uint32_t kNumExp[3] = {45, 39, 36};
    p.num_scalen = static_cast<float>(exact::pow(2.0, static_cast<std::uint32_t>(kNumExp[s - 1] - cube - rows)));
  }

  kernels::AdmDwtTaps taps_for(int s) const {
    kernels::AdmDwtTaps t;
    t.rows = rows_[s].data();
    t.cols = cols_[s].data();
    t.in_w = in_w_[s];
    t.in_h = in_h_[s];
    t.out_w = (in_w_[s] + 1) / 2;
    t.out_h = (in_h_[s] + 1) / 2;
    return t;
  }

  std::int32_t* approx(int i) { return approx_[i].data() + (i < 2 ? stride0_ : striden_); }

  // What libvmaf's last DWT level reads as row -1 of an input of 3 or 4 rows
  // (frame heights 17..32): for the reference, the int32 view of the memory
  // before its band, which holds the int16 CSF weighting of the scale 0
  // restored diagonal band (left over from its AIM pass) in the second to last
  // row (`guard_rest_`); for the distorted picture, never written memory that
  // is zero there.
  void fill_guard_rows(std::int32_t* ref, std::int32_t* dis, std::ptrdiff_t stride, int w) {
    const AdmRect& work = plan_[0].work;
    const std::int16_t* rest = guard_rest_.data();
    auto csf = [&](int col) -> std::uint32_t {
      if (col < work.left) return 0;  // outside its CSF rectangle: never written
      const auto weighted = static_cast<std::int16_t>((factor0_q_[2] * rest[col] + 65535) >> 17);
      // With adm_skip_aim the last pass weighed the additive band, and left
      // there its masking term, |weighted| / 30 (Q12).
      if (skip_aim_) return static_cast<std::uint16_t>((4369 * std::abs(static_cast<int>(weighted)) + 2048) >> 12);
      return static_cast<std::uint16_t>(weighted);
    };
    for (int j = 0; j < w; ++j) {
      ref[j - stride] = static_cast<std::int32_t>(csf(2 * j) | (csf(2 * j + 1) << 16));
      dis[j - stride] = 0;
    }
  }

  // Scale 3 reads a guard row (see fill_guard_rows()), built from this row of
  // the scale 0 restored diagonal band.
  int guard_rest_row() const { return rows_[3][0] < 0 ? plan_[0].h - 2 : -1; }

  // Runs a pooling stage kernel `fn(rect, sums)` over the pooled rectangle,
  // or with row sampling over each pooled row, adding up the three sums
  // (each row is rounded on its own either way).
  template <class U, class Fn>
  static void for_pooled_rows(const ScalePlan& p, U (&sums)[3], Fn&& fn) {
    if (!p.sample.rows) return fn(p.pool, sums);
    for (int i = p.pool.top; i < p.pool.bottom; ++i) {
      if (!p.sample.pooled(i, p.pool)) continue;
      U row[3] = {};
      AdmRect r = p.pool;
      r.top = i;
      r.bottom = i + 1;
      fn(r, row);
      for (int o = 0; o < 3; ++o) sums[o] += row[o];
    }
  }

  // The stage kernels one after the other, on whole bands.
  void run_stages(const PicturePair& pair, kernels::AdmScaleSums sums[kScales]) {
    if (skip_scale0_) {
      kernels::adm_dwt0_approx_scalar(pair.ref, taps_for(0), tmp16_.data(), approx(0), stride0_);
      kernels::adm_dwt0_approx_scalar(pair.dist, taps_for(0), tmp16_.data(), approx(1), stride0_);
    } else {
      const ScalePlan& p = plan_[0];
      k_.dwt0(pair.ref, taps_for(0), tmp16_.data(), approx(0), b0_.ref, stride0_);
      k_.dwt0(pair.dist, taps_for(0), tmp16_.data(), approx(1), b0_.dis, stride0_);
      k_.decouple0(as_const(b0_.ref), as_const(b0_.dis), b0_.rest, b0_.add, stride0_, p.work, gain_limit_,
                   p.simd_end);
      for_pooled_rows(p, sums[0].den, [&](const AdmRect& rows, std::uint64_t* out) {
        k_.den0(as_const(b0_.ref), stride0_, rows, p.den0_row_shift, out);
      });
      k_.csf0(as_const(b0_.add), b0_.csf, b0_.mask, stride0_, p.work, factor0_q_);
      for_pooled_rows(p, sums[0].num, [&](const AdmRect& rows, std::int64_t* out) {
        k_.cm0(as_const(b0_.rest), as_const(b0_.csf), as_const(b0_.mask), stride0_, p.w, p.h, rows, p.cm0, out);
      });
      if (aim_) {  // the same with the two parts swapped
        k_.csf0(as_const(b0_.rest), b0_.csf, b0_.mask, stride0_, p.work, factor0_q_);
        for_pooled_rows(p, sums[0].aim, [&](const AdmRect& rows, std::int64_t* out) {
          k_.cm0(as_const(b0_.add), as_const(b0_.csf), as_const(b0_.mask), stride0_, p.w, p.h, rows, p.cm0, out);
        });
      }
      if (const int row = guard_rest_row(); row >= 0)
        std::copy_n((skip_aim_ ? b0_.add.d : b0_.rest.d) + row * stride0_, guard_rest_.size(), guard_rest_.begin());
    }
    // Approximation bands ping-pong between approx(0, 1) (ref, dis) and (2, 3).
    for (int s = 1; s <= last_scale_; ++s) {
      const ScalePlan& p = plan_[s];
      const int in = (s - 1) % 2 * 2, out = s % 2 * 2;
      const std::ptrdiff_t src_stride = s == 1 ? stride0_ : striden_;
      if (rows_[s][0] < 0) fill_guard_rows(approx(in), approx(in + 1), src_stride, in_w_[s]);
      k_.dwtn(approx(in), approx(in + 1), src_stride, taps_for(s), s, tmp32_.data(), approx(out), bn_.ref,
              approx(out + 1), bn_.dis, striden_);
      k_.decouplen(as_const(bn_.ref), as_const(bn_.dis), bn_.rest, bn_.add, striden_, p.work, gain_limit_,
                   p.simd_end);
      for_pooled_rows(p, sums[s].den, [&](const AdmRect& rows, std::uint64_t* out) {
        k_.denn(as_const(bn_.ref), striden_, rows, p.dens, out);
      });
      k_.csfn(as_const(bn_.add), bn_.csf, bn_.mask, striden_, p.work, factorn_q_[s]);
      for_pooled_rows(p, sums[s].num, [&](const AdmRect& rows, std::int64_t* out) {
        k_.cmn(as_const(bn_.rest), as_const(bn_.csf), as_const(bn_.mask), striden_, p.w, p.h, rows, p.cmn, out);
      });
      if (aim_) {
        k_.csfn(as_const(bn_.rest), bn_.csf, bn_.mask, striden_, p.work, factorn_q_[s]);
        for_pooled_rows(p, sums[s].aim, [&](const AdmRect& rows, std::int64_t* out) {
          k_.cmn(as_const(bn_.add), as_const(bn_.csf), as_const(bn_.mask), striden_, p.w, p.h, rows, p.cmn, out);
        });
      }
    }
  }

  // The scale 0 job of the fused passes.
  kernels::AdmScale0Job scale0_job(const PicturePair& pair) {
    const ScalePlan& p = plan_[0];
    kernels::AdmScale0Job job;
    job.ref = &pair.ref;
    job.dis = &pair.dist;
    job.taps = taps_for(0);
    job.ref_approx = approx16_[0].data();
    job.dis_approx = approx16_[1].data();
    job.approx_stride = stride0_;
    job.work = p.work;
    job.pool = p.pool;
    job.sample = p.sample;
    job.gain_limit = gain_limit_;
    job.decouple_simd_end = p.simd_end;
    std::copy(factor0_q_, factor0_q_ + 3, job.csf_factor);
    job.den_row_shift = p.den0_row_shift;
    job.cm = p.cm0;
    job.rest_d_row = guard_rest_row();
    job.rest_d = guard_rest_.data();
    job.aim = aim_;
    return job;
  }

  // The job of scale s >= 1 of the fused passes.
  kernels::AdmScaleNJob scalen_job(int s) {
    const ScalePlan& p = plan_[s];
    const int in = (s - 1) % 2 * 2, out = s % 2 * 2;
    kernels::AdmScaleNJob job;
    if (s == 1) {
      job.ref_src16 = approx16_[0].data();
      job.dis_src16 = approx16_[1].data();
    } else {
      job.ref_src = approx(in);
      job.dis_src = approx(in + 1);
    }
    job.src_stride = s == 1 ? stride0_ : striden_;
    job.taps = taps_for(s);
    job.scale = s;
    // The last scale's approximation feeds nothing.
    job.ref_approx = s + 1 < kScales ? approx(out) : nullptr;
    job.dis_approx = s + 1 < kScales ? approx(out + 1) : nullptr;
    job.approx_stride = striden_;
    job.work = p.work;
    job.pool = p.pool;
    job.sample = p.sample;
    job.gain_limit = gain_limit_;
    job.decouple_simd_end = p.simd_end;
    std::copy(factorn_q_[s], factorn_q_[s] + 3, job.csf_factor);
    job.den = p.dens;
    job.cm = p.cmn;
    job.aim = aim_;
    return job;
  }

  // The kernel set's fused passes, one per scale.
  void run_fused(const PicturePair& pair, kernels::AdmScaleSums sums[kScales]) {
    void* scratch = aligned64(fused_scratch_.data());
    if (skip_scale0_) {
      // The approximation bands alone: the fused pass with nothing to pool.
      kernels::AdmScale0Job job = scale0_job(pair);
      job.work = job.pool = AdmRect{};
      job.aim = false;
      job.rest_d_row = -1;
      kernels::AdmScaleSums unused{};
      k_.fused.scale0(job, scratch, unused);
    } else {
      k_.fused.scale0(scale0_job(pair), scratch, sums[0]);
    }
    for (int s = 1; s <= last_scale_; ++s) {
      const int in = (s - 1) % 2 * 2;
      if (rows_[s][0] < 0) fill_guard_rows(approx(in), approx(in + 1), s == 1 ? stride0_ : striden_, in_w_[s]);
      k_.fused.scalen(scalen_job(s), scratch, sums[s]);
    }
  }

  // Noise floor term added to each orientation's pooled value.
  static float noise_floor(const AdmRect& r, double weight) {
    return exact::powf(static_cast<float>((r.bottom - r.top) * (r.right - r.left) * weight), 1.0f / 3.0f);
  }

  // Denominator of one scale from the per-orientation sums of |ref|^3, which
  // still lack the cubed CSF factor and the 1 / `scale` normalisation.
  static float pooled_den(const std::uint64_t sums[3], double scale, const float factor[3], float floor) {
    float parts[3];
    for (int o = 0; o < 3; ++o) {
      const double energy = static_cast<double>(sums[o] / scale) * exact::pow(static_cast<double>(factor[o]), 3.0);
      parts[o] = exact::powf(static_cast<float>(energy), 1.0f / 3.0f) + floor;
    }
    return parts[0] + parts[1] + parts[2];
  }

  // Numerator of one scale from the normalised per-orientation sums.
  static float pooled_num(const float sums[3], float floor) {
    return (exact::powf(sums[0], 1.0f / 3.0f) + floor) + (exact::powf(sums[1], 1.0f / 3.0f) + floor) +
           (exact::powf(sums[2], 1.0f / 3.0f) + floor);
  }

  void pool(int s, const kernels::AdmScaleSums& sums, float& num, float& den, float& aim) const {
    if (s == 0 && skip_scale0_) {
      num = aim = 0.0f;
      den = 1e-10f;
      return;
    }
    const ScalePlan& p = plan_[s];
    if (p.sample_scale != 1.0) {
      // Row sampling: the sums of the whole rectangle, estimated.
      kernels::AdmScaleSums whole = sums;
      for (int o = 0; o < 3; ++o) {
        whole.den[o] = static_cast<std::uint64_t>(std::llround(static_cast<double>(sums.den[o]) * p.sample_scale));
        whole.num[o] = std::llround(static_cast<double>(sums.num[o]) * p.sample_scale);
        whole.aim[o] = std::llround(static_cast<double>(sums.aim[o]) * p.sample_scale);
      }
      return pool_sums(s, p, whole, num, den, aim);
    }
    pool_sums(s, p, sums, num, den, aim);
  }

  void pool_sums(int s, const ScalePlan& p, const kernels::AdmScaleSums& sums, float& num, float& den,
                 float& aim) const {
    den = pooled_den(sums.den, p.den_scale, factor_[s], p.floor);
    auto normalised = [&](const std::int64_t (&v)[3], float (&acc)[3]) {
      for (int o = 0; o < 3; ++o)
        acc[o] = s == 0 ? static_cast<float>(static_cast<double>(v[o]) / p.num_scale0[o])
                        // A float division here, as in the reference.
                        : static_cast<float>(v[o]) / p.num_scalen;
    };
    float acc[3];
    normalised(sums.num, acc);
    num = pooled_num(acc, p.floor);
    if (aim_) {
      normalised(sums.aim, acc);
      aim = pooled_num(acc, 0.0f);  // libvmaf pools AIM without a noise floor
    }
  }

  std::string name_;
  std::vector<std::string> provides_;
  double gain_limit_ = kDefaultGainLimit;
  double dlm_weight_ = kDefaultDlmWeight;
  double min_val_ = 0.0;
  double noise_weight_ = kDefaultNoiseWeight;
  int csf_mode_ = kWatson;
  bool debug_ = false;
  bool aim_ = true;  // run the AIM pass
  bool skip_aim_ = false, skip_scale0_ = false;  // adm_skip_aim, adm_skip_scale0
  int row_step_ = 1;                              // adm_row_step, or from adm_sample_rows
  int sample_rows_ = 0;                           // adm_sample_rows (0: not given)
  int last_scale_ = kScales - 1;
  double view_dist_ = kDefaultViewDist;
  int display_height_ = kDefaultDisplayHeight;
  float factor_[kScales][3] = {};              // CSF factors h, v, d per scale
  std::uint16_t factor0_q_[3] = {};            // scale 0 factors, Q21 / Q21 / Q23
  std::uint32_t factorn_q_[kScales][3] = {};   // scales 1..3 factors, Q32

  Geometry geometry_;
  kernels::AdmKernels k_{};
  int in_w_[kScales] = {}, in_h_[kScales] = {};
  std::vector<int> rows_[kScales], cols_[kScales];
  std::ptrdiff_t stride0_ = 0, striden_ = 0;
  BandSet<std::int16_t> b0_;
  BandSet<std::int32_t> bn_;
  PooledVector<std::int32_t> approx_[4];
  PooledVector<std::int16_t> tmp16_;
  PooledVector<std::int32_t> tmp32_;
  ScalePlan plan_[kScales];
  std::vector<std::int16_t> guard_rest_;     // see guard_rest_row()
  PooledVector<std::uint8_t> fused_scratch_;  // for k_.fused (aligned in run_fused())
  PooledVector<std::int16_t> approx16_[2];    // k_.fused's scale 0 approximations (ref, dis)
  // Ladder mode: each encode's approximations (as approx16_[1], approx_[1] and
  // approx_[3] hold the single pair's), and the scratch of the ladder passes.
  struct LadderBands {
    std::int16_t* approx16 = nullptr;
    std::int32_t* approx[2] = {};
    PooledVector<std::int16_t> storage16;  // but the first encode's
    PooledVector<std::int32_t> storage[2];
  };
  std::vector<LadderBands> ladder_;
  PooledVector<std::uint8_t> ladder_scratch_;
};

}  // namespace

std::unique_ptr<Extractor> make_adm(const OptionMap& options) { return std::make_unique<AdmExtractor>(options); }

std::unique_ptr<Extractor> make_adm_sampled(const OptionMap& options) {
  OptionMap o = options;
  if (!o.count("adm_row_step") && !o.count("rs") && !o.count("adm_sample_rows") && !o.count("sr"))
    o["adm_sample_rows"] = std::to_string(kSampledRows);
  return std::make_unique<AdmExtractor>(o, "adm_sampled");
}

}  // namespace pvt::feature
