#include <cmath>

#include "float_motion_kernels.hpp"
#include "pyvmaf_tiny/cpu.hpp"

#ifdef PVT_HAVE_X86_KERNELS
#include "../x86/float_x86.hpp"
#endif

namespace pvt::feature::kernels {

void float_blur_scalar(const FloatBlurArgs& a) {
  const int w = a.width, n = a.n_taps, r = n / 2;
  float* tmp = a.scratch + 16;
  for (int i = 0; i < a.height; ++i) {
    for (int j = 0; j < w; ++j) {
      float acc = 0.0f;
      for (int k = 0; k < n; ++k) acc += a.taps[k] * a.rows[i - r + k][j];
      tmp[j] = acc;
    }
    for (int k = 1; k <= r; ++k) {
      tmp[-k] = tmp[k];
      tmp[w - 1 + k] = tmp[w - 1 - k];
    }
    float* out = a.out + i * a.out_stride;
    for (int j = 0; j < w; ++j) {
      float acc = 0.0f;
      for (int k = 0; k < n; ++k) acc += a.taps[k] * tmp[j - r + k];
      out[j] = acc;
    }
  }
}

float float_sad_scalar(const float* a, const float* b, std::ptrdiff_t stride, int width, int height) {
  float total = 0.0f;
  for (int i = 0; i < height; ++i) {
    float row = 0.0f;
    for (int j = 0; j < width; ++j) row += std::fabs(a[i * stride + j] - b[i * stride + j]);
    total += row;
  }
  return total;
}

FloatMotionKernels select_float_motion_kernels() {
#ifdef PVT_HAVE_X86_KERNELS
  switch (active_isa()) {
    case Isa::avx512: return float_motion_kernels_avx512();
    case Isa::avx2: return float_motion_kernels_avx2();
    default: break;
  }
#endif
  return {float_blur_scalar, float_sad_scalar};
}

}  // namespace pvt::feature::kernels
