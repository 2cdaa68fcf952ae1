// SpEED's covariance sum with AVX2 and FMA: each eight-lane chain of the
// order in speed_kernels.hpp is a pair of four-lane registers.
#include <immintrin.h>

#include "speed_x86.hpp"

// FMA is not part of the AVX2 flags of these files: enable it for this
// function (callers check the CPU has it).
#if defined(__GNUC__)
#define PVT_TARGET_FMA __attribute__((target("fma")))
#else
#define PVT_TARGET_FMA
#endif

namespace pvt::feature::kernels {

PVT_TARGET_FMA double speed_cov_avx2(const float* x, const float* y, std::ptrdiff_t stride,
                                                     int height, int width, double mean_x, double mean_y) {
  __m256d a0 = _mm256_setzero_pd(), a1 = a0, b0 = a0, b1 = a0;  // lanes 0-3, 4-7 of each set
  const __m256d mx = _mm256_set1_pd(mean_x), my = _mm256_set1_pd(mean_y);
  double rest = 0.0;
  const auto centred = [](const float* p, __m256d mean) { return _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(p)), mean); };
  for (int i = 0; i < height; ++i) {
    const float* rx = x + i * stride;
    const float* ry = y + i * stride;
    int j = 0;
    for (; j + 15 < width; j += 16) {
      a0 = _mm256_fmadd_pd(centred(rx + j, mx), centred(ry + j, my), a0);
      a1 = _mm256_fmadd_pd(centred(rx + j + 4, mx), centred(ry + j + 4, my), a1);
      b0 = _mm256_fmadd_pd(centred(rx + j + 8, mx), centred(ry + j + 8, my), b0);
      b1 = _mm256_fmadd_pd(centred(rx + j + 12, mx), centred(ry + j + 12, my), b1);
    }
    for (; j + 7 < width; j += 8) {
      a0 = _mm256_fmadd_pd(centred(rx + j, mx), centred(ry + j, my), a0);
      a1 = _mm256_fmadd_pd(centred(rx + j + 4, mx), centred(ry + j + 4, my), a1);
    }
    for (; j < width; ++j) rest += (static_cast<double>(rx[j]) - mean_x) * (static_cast<double>(ry[j]) - mean_y);
  }
  const __m256d lo = _mm256_add_pd(b0, a0), hi = _mm256_add_pd(b1, a1);  // c0-c3, c4-c7
  const __m256d t = _mm256_add_pd(hi, lo);                                // c4+c0, c5+c1, c6+c2, c7+c3
  const __m128d u = _mm_add_pd(_mm256_extractf128_pd(t, 1), _mm256_castpd256_pd128(t));
  return (_mm_cvtsd_f64(u) + _mm_cvtsd_f64(_mm_unpackhi_pd(u, u))) + rest;
}

}  // namespace pvt::feature::kernels
