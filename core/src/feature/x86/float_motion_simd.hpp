#pragma once
// The float motion kernels written once over a float vector ISA `I`
// (float_avx2_isa.hpp, float_avx512_isa.hpp). Include only from files
// compiled for that ISA: everything here has internal linkage.
//
// The blur is the scalar kernel's arithmetic on whole vectors of columns
// (FloatConv; planes and scratch are padded past the last column). The absolute
// differences are summed per row in column order, as the scalar kernel
// does, four rows at a time so that their sums proceed side by side.
#include <cmath>
#include <cstddef>

#include "../kernels/float_motion_kernels.hpp"
#include "float_conv_simd.hpp"

namespace pvt::feature::kernels {
namespace {

template <class I>
struct FloatMotionSimd {
  using F = typename I::F;

  static void blur(const FloatBlurArgs& a) {
    const int w = a.width, n = a.n_taps, r = n / 2;
    float* tmp = a.scratch + 16;
    for (int i = 0; i < a.height; ++i) {
      FloatConv<I>::vertical(a.rows, i, w, a.taps, n, tmp);
      for (int k = 1; k <= r; ++k) {
        tmp[-k] = tmp[k];
        tmp[w - 1 + k] = tmp[w - 1 - k];
      }
      FloatConv<I>::horizontal(tmp, w, a.taps, n, a.out + i * a.out_stride);
    }
  }

  static float sad(const float* a, const float* b, std::ptrdiff_t stride, int width, int height) {
    float total = 0.0f;
    int i = 0;
    for (; i + 4 <= height; i += 4) {
      const float* a0 = a + i * stride;
      const float* b0 = b + i * stride;
      float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
      for (int j = 0; j < width; ++j) {
        s0 += std::fabs(a0[j] - b0[j]);
        s1 += std::fabs(a0[stride + j] - b0[stride + j]);
        s2 += std::fabs(a0[2 * stride + j] - b0[2 * stride + j]);
        s3 += std::fabs(a0[3 * stride + j] - b0[3 * stride + j]);
      }
      total += s0;
      total += s1;
      total += s2;
      total += s3;
    }
    for (; i < height; ++i) {
      float s = 0.0f;
      for (int j = 0; j < width; ++j) s += std::fabs(a[i * stride + j] - b[i * stride + j]);
      total += s;
    }
    return total;
  }
};

}  // namespace
}  // namespace pvt::feature::kernels
