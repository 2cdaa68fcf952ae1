#pragma once
// Building blocks of libvmaf's float ADM (float_adm), one scale at a time.
//
// A scale starts from the approximation band of the one before (the luma
// plane for scale 0) and splits it with the Daubechies-2 wavelet into
// approximation (a), vertical (v), horizontal (h) and diagonal (d) bands of
// half size (rounded up). The detail bands of the distorted picture are
// decoupled into a part the reference explains (restored, r) and an additive
// impairment (a), both weighted by a contrast sensitivity factor per band
// orientation. Detail loss (num) is the restored part above a contrast
// masking threshold that the impairment sets, the additive impairment (aim)
// the impairment above the threshold the restored part sets.
//
// The scalar kernels are the reference; every SIMD variant gives
// bit-identical bands and sums for every size and option.
#include <cstddef>

namespace pvt::feature::kernels {

// Rows of a plane with rows [-1, height + 2) addressable: libvmaf's wavelet
// reflects row -1 to row 1 and rows height, height + 1 to height - 1,
// height - 2 (columns likewise).
struct FloatAdmDwtArgs {
  const float* const* rows = nullptr;
  int width = 0, height = 0;  // of the source plane
  bool approximation_only = false;  // only band a (libvmaf's adm_skip_scale0 at scale 0)
  float* a = nullptr;  // each (height + 1) / 2 rows of `stride` floats
  float* v = nullptr;
  float* h = nullptr;
  float* d = nullptr;
  std::ptrdiff_t stride = 0;
  float* scratch = nullptr;  // float_adm_scratch_floats(width)
};

constexpr std::size_t float_adm_scratch_floats(int width) {
  return 4 * (static_cast<std::size_t>(width) + 64);
}

using FloatAdmDwtFn = void (*)(const FloatAdmDwtArgs& a);

// The detail bands of one scale (w x h, rows of `stride` floats), in the
// order h, v, d.
struct FloatAdmBands {
  const float* band[3] = {nullptr, nullptr, nullptr};
};
struct FloatAdmPlanes {
  float* band[3] = {nullptr, nullptr, nullptr};
};

// Decoupling and contrast sensitivity over rows [top, bottom) and columns
// [left, right): for each band, csf_r = factor * restored and
// csf_a = factor * impairment, and the masking inputs
// flt = |csf| / 30 (a product in double, as libvmaf's constant is).
struct FloatAdmDecoupleArgs {
  FloatAdmBands ref, dis;
  FloatAdmPlanes csf_r, flt_r, csf_a, flt_a;
  std::ptrdiff_t stride = 0;
  int top = 0, bottom = 0, left = 0, right = 0;
  float factor[3] = {0, 0, 0};
  double gain_limit = 100.0;
};
using FloatAdmDecoupleFn = void (*)(const FloatAdmDecoupleArgs& a);

// Contrast masking: over rows [top, bottom) and columns [left, right) of a
// w x h scale, each band's |x * x_factor| less the threshold from the masker's 3x3
// neighbourhood (reflected at the edges: -1 -> 1, w -> w - 1), floored at 0,
// to the power p (x * x * x for p = 3), summed in float row by row; the
// row sums summed in order. Returns the three band sums (h, v, d).
struct FloatAdmMaskArgs {
  FloatAdmBands x;  // the masked bands, each multiplied by x_factor
  float x_factor[3] = {1.0f, 1.0f, 1.0f};
  FloatAdmBands masker, masker_flt;  // the masker's csf and |csf| / 30
  std::ptrdiff_t stride = 0;
  int width = 0, height = 0;
  int top = 0, bottom = 0, left = 0, right = 0;
  bool bypass = false;  // no threshold (libvmaf's adm_bypass_cm)
  float p_norm = 3.0f;
  bool cube = true;  // p_norm is exactly 3
  float* scratch = nullptr;  // float_adm_scratch_floats(width), 64-byte aligned
};
struct FloatAdmSums {
  float band[3] = {0, 0, 0};
};
using FloatAdmMaskFn = FloatAdmSums (*)(const FloatAdmMaskArgs& a);

struct FloatAdmKernels {
  FloatAdmDwtFn dwt;
  FloatAdmDecoupleFn decouple;
  FloatAdmMaskFn mask;
};

void float_adm_dwt_scalar(const FloatAdmDwtArgs& a);
void float_adm_decouple_scalar(const FloatAdmDecoupleArgs& a);
FloatAdmSums float_adm_mask_scalar(const FloatAdmMaskArgs& a);

// t / d as libvmaf's decoupling computes it: on x86 (ADM_OPT_RECIP_DIVISION)
// t times the CPU's approximate reciprocal of d refined by one
// Newton-Raphson step (the approximation differs between CPU makers, as
// libvmaf's own does); elsewhere a plain division, as libvmaf's is there.
float adm_ratio(float t, float d);

// |csf| / 30 and |csf| / 15 with libvmaf's double-precision constants.
inline constexpr double kAdmOneBy30 = 0.0333333351;
inline constexpr double kAdmOneBy15 = 0.0666666701;

// The masking threshold at (i, j): over the three bands, the masker's
// |csf| / 30 at the eight neighbours (rows im, i, ip; columns jm, j, jp,
// reflected at the edges) and its |csf| / 15 at the centre, in libvmaf's
// order. Shared by the scalar kernel and the SIMD kernels' edge columns.
float adm_threshold(const FloatAdmMaskArgs& a, int im, int i, int ip, int jm, int j, int jp);

FloatAdmKernels select_float_adm_kernels();

}  // namespace pvt::feature::kernels
