#pragma once
// The float motion kernels written once over a float vector ISA `I`
// (float_avx2_isa.hpp, float_avx512_isa.hpp). Include only from files
// compiled for that ISA: everything here has internal linkage.
//
// The blur is the scalar kernel's arithmetic on whole vectors of columns
// (planes and scratch are padded past the last column). The absolute
// differences are summed per row in column order, as the scalar kernel
// does, four rows at a time so that their sums proceed side by side.
#include <cmath>
#include <cstddef>

#include "../kernels/float_motion_kernels.hpp"

namespace pvt::feature::kernels {
namespace {

template <class I>
struct FloatMotionSimd {
  using F = typename I::F;

  static void blur(const FloatBlurArgs& a) {
    const int w = a.width, n = a.n_taps, r = n / 2;
    float* tmp = a.scratch + 16;
    for (int i = 0; i < a.height; ++i) {
      for (int j = 0; j < w; j += I::N) {
        F acc = I::zero();
        for (int k = 0; k < n; ++k) acc = I::add(acc, I::mul(I::set1(a.taps[k]), I::load(a.rows[i - r + k] + j)));
        I::store(tmp + j, acc);
      }
      for (int k = 1; k <= r; ++k) {
        tmp[-k] = tmp[k];
        tmp[w - 1 + k] = tmp[w - 1 - k];
      }
      float* out = a.out + i * a.out_stride;
      int j = 0;
      for (; j + I::N <= w; j += I::N) {
        F acc = I::zero();
        for (int k = 0; k < n; ++k) acc = I::add(acc, I::mul(I::set1(a.taps[k]), I::load(tmp + j - r + k)));
        I::store(out + j, acc);
      }
      for (; j < w; ++j) {  // the output plane's padding may be narrower than a vector
        float acc = 0.0f;
        for (int k = 0; k < n; ++k) acc += a.taps[k] * tmp[j - r + k];
        out[j] = acc;
      }
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
