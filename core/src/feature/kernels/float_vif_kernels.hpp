#pragma once
// Building blocks of libvmaf's float VIF (float_vif).
//
// Each kernel works on one scale: row pointer tables of the reference and
// distorted float planes, valid for rows [-radius, height + radius) and
// reflected about the edges without repeating them (reflect101_rows), so
// that rows[i] is row i. Columns are reflected the same way.
//
// Every filtered value is a separable Gaussian, vertical pass first, the
// products of the taps summed in order, each rounded to float before it is
// added (libvmaf's C and AVX2 convolutions give the same bits: no fused
// multiply-add).
//
// The scalar kernels are the reference; every SIMD variant gives
// bit-identical sums and planes for every size and option.
#include <cstddef>

namespace pvt::feature::kernels {

constexpr int kFloatVifMaxTaps = 127;

struct FloatVifArgs {
  const float* const* ref_rows = nullptr;
  const float* const* dis_rows = nullptr;
  int width = 0, height = 0;  // of the plane the rows address
  const float* taps = nullptr;
  int n_taps = 0;  // odd, at most kFloatVifMaxTaps
  float* scratch = nullptr;  // float_vif_scratch_floats(width, n_taps), 64-byte aligned
};

// Floats of scratch a kernel call needs (any ISA).
constexpr std::size_t float_vif_scratch_floats(int width, int n_taps) {
  const auto row = static_cast<std::size_t>((width + n_taps + 64) / 16 * 16 + 32);
  return 10 * row;
}

// The pointwise statistic: gain limit, noise variance (libvmaf's
// vif_enhn_gain_limit and vif_sigma_nsq) and powf(nsq, 2) / 255^2.
struct FloatVifStatParams {
  float gain_limit = 100.0f;
  double sigma_nsq = 2.0;
  float sigma_max_inv = 0.0f;
};

struct FloatVifSums {
  float num = 0.0f;
  float den = 0.0f;
};

// num and den of one scale: the information-fidelity terms of every pixel,
// summed in float row by row, the row sums then summed in order.
using FloatVifStatsFn = FloatVifSums (*)(const FloatVifArgs& a, const FloatVifStatParams& p);

// The next scale: the plane low-passed, keeping rows and columns 0, 2, 4, ...
// (out_width = width / 2, out_height = height / 2).
using FloatVifDecimateFn = void (*)(const FloatVifArgs& a, float* ref_out, float* dis_out, std::ptrdiff_t out_stride);

struct FloatVifKernels {
  FloatVifStatsFn stats;
  FloatVifDecimateFn decimate;
};

FloatVifSums float_vif_stats_scalar(const FloatVifArgs& a, const FloatVifStatParams& p);
void float_vif_decimate_scalar(const FloatVifArgs& a, float* ref_out, float* dis_out, std::ptrdiff_t out_stride);

// libvmaf's log2 approximation (VIF_OPT_FAST_LOG2): exponent plus a degree-8
// polynomial in the mantissa, Horner's rule in float.
inline constexpr float kLog2Poly[9] = {-0.012671635276421f, 0.064841182402670f, -0.157048836463065f,
                                       0.257167726303123f,  -0.353800560300520f, 0.480131410397451f,
                                       -0.721314327952201f, 1.442694803896991f,  0.0f};

// The kernels for the active ISA.
FloatVifKernels select_float_vif_kernels();

}  // namespace pvt::feature::kernels
