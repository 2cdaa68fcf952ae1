#pragma once
// Building blocks of libvmaf's float motion (float_motion): a separable blur
// of the reference and the mean absolute difference of two blurred frames.
//
// The scalar kernels are the reference; every SIMD variant gives
// bit-identical planes and sums for every size.
#include <cstddef>

namespace pvt::feature::kernels {

// Blurs a w x h plane (rows [-r, h + r) addressable, reflected without
// repeating the edge, as flt::reflect101_rows makes them) with `n_taps`
// taps, vertical pass first, each product rounded before it is added in
// order (libvmaf's C and AVX2 convolutions agree). Columns are reflected the
// same way.
struct FloatBlurArgs {
  const float* const* rows = nullptr;
  int width = 0, height = 0;
  const float* taps = nullptr;
  int n_taps = 0;  // odd, at most 5
  float* out = nullptr;
  std::ptrdiff_t out_stride = 0;
  float* scratch = nullptr;  // float_blur_scratch_floats(width), 64-byte aligned
};
constexpr std::size_t float_blur_scratch_floats(int width) { return static_cast<std::size_t>(width) + 64; }
using FloatBlurFn = void (*)(const FloatBlurArgs& a);

// Sum of |a - b| over a w x h area, in float, row by row; the row sums
// summed in order.
using FloatSadFn = float (*)(const float* a, const float* b, std::ptrdiff_t stride, int width, int height);

struct FloatMotionKernels {
  FloatBlurFn blur;
  FloatSadFn sad;
};

void float_blur_scalar(const FloatBlurArgs& a);
float float_sad_scalar(const float* a, const float* b, std::ptrdiff_t stride, int width, int height);

FloatMotionKernels select_float_motion_kernels();

}  // namespace pvt::feature::kernels
