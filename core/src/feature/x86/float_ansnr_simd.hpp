#pragma once
// The float ANSNR kernel over a float vector ISA `I` (float_avx2_isa.hpp,
// float_avx512_isa.hpp). Include only from files compiled for that ISA.
//
// Each lane filters one column with the scalar kernel's order of products
// and sums; the per-pixel signal and noise terms go to scratch rows and are
// summed in column order, as the scalar kernel sums them. Vectors may run
// past the last column into the padding; those lanes are never summed.
#include <cstddef>

#include "../kernels/float_ansnr_kernels.hpp"

namespace pvt::feature::kernels {
namespace {

template <class I>
struct FloatAnsnrSimd {
  using F = typename I::F;

  template <int N>
  static F filter2d(const float* const* rows, int i, int j, const float* f) {
    constexpr int r = N / 2;
    F acc = I::zero();
#pragma GCC unroll 5
    for (int fi = 0; fi < N; ++fi) {
      const float* row = rows[i - r + fi] + j - r;
      F inner = I::zero();
#pragma GCC unroll 5
      for (int fj = 0; fj < N; ++fj) inner = I::add(inner, I::mul(I::set1(f[fi * N + fj]), I::load(row + fj)));
      acc = I::add(acc, inner);
    }
    return acc;
  }

  static FloatAnsnrSums sums(const FloatAnsnrArgs& a) {
    float* sig_row = a.scratch + 16;
    float* noise_row = a.scratch + (static_cast<std::ptrdiff_t>(a.width) + 64) + 16;
    FloatAnsnrSums total;
    for (int i = 0; i < a.height; ++i) {
      for (int j = 0; j < a.width; j += I::N) {
        const F r = filter2d<3>(a.ref_rows, i, j, kAnsnrRefFilter);
        const F d = filter2d<5>(a.dis_rows, i, j, kAnsnrDisFilter);
        const F e = I::sub(r, d);
        I::store(sig_row + j, I::mul(r, r));
        I::store(noise_row + j, I::mul(e, e));
      }
      float signal = 0.0f, noise = 0.0f;
      for (int j = 0; j < a.width; ++j) {
        signal += sig_row[j];
        noise += noise_row[j];
      }
      total.signal += signal;
      total.noise += noise;
    }
    return total;
  }
};

}  // namespace
}  // namespace pvt::feature::kernels
