#pragma once
// One-dimensional float filters over a vector ISA `I` (float_avx2_isa.hpp,
// float_avx512_isa.hpp), shared by the float VIF and motion kernels.
// Include only from files compiled for that ISA.
//
// out[j] = sum over k of taps[k] * src(j, k), the products rounded and added
// in tap order from 0 (the scalar kernels' order), for j in [0, w) in whole
// vectors: callers provide padding for one vector past w. Four vectors are
// filtered side by side so that their sums proceed in parallel.
#include <cstddef>

namespace pvt::feature::kernels {
namespace {

template <class I>
struct FloatConv {
  using F = typename I::F;

  // Vertical: src(j, k) = rows[i - n / 2 + k][j].
  static void vertical(const float* const* rows, int i, int w, const float* taps, int n, float* out) {
    const float* const* first = rows + i - n / 2;
    run(w, taps, n, out, [first](int k) { return first[k]; });
  }

  // Horizontal: src(j, k) = row[j - n / 2 + k].
  static void horizontal(const float* row, int w, const float* taps, int n, float* out) {
    const float* first = row - n / 2;
    run(w, taps, n, out, [first](int k) { return first + k; });
  }

 private:
  // out[j] = sum_k taps[k] * tap(k)[j].
  template <class Tap>
  static void run(int w, const float* taps, int n, float* out, Tap tap) {
    int j = 0;
    for (; j + 4 * I::N <= w; j += 4 * I::N) {
      F a0 = I::zero(), a1 = I::zero(), a2 = I::zero(), a3 = I::zero();
      for (int k = 0; k < n; ++k) {
        const F f = I::set1(taps[k]);
        const float* p = tap(k) + j;
        a0 = I::add(a0, I::mul(f, I::load(p)));
        a1 = I::add(a1, I::mul(f, I::load(p + I::N)));
        a2 = I::add(a2, I::mul(f, I::load(p + 2 * I::N)));
        a3 = I::add(a3, I::mul(f, I::load(p + 3 * I::N)));
      }
      I::store(out + j, a0);
      I::store(out + j + I::N, a1);
      I::store(out + j + 2 * I::N, a2);
      I::store(out + j + 3 * I::N, a3);
    }
    for (; j < w; j += I::N) {
      F acc = I::zero();
      for (int k = 0; k < n; ++k) acc = I::add(acc, I::mul(I::set1(taps[k]), I::load(tap(k) + j)));
      I::store(out + j, acc);
    }
  }
};

}  // namespace
}  // namespace pvt::feature::kernels
