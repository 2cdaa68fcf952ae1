// SpEED's covariance sum with AVX-512 (the order of speed_kernels.hpp).
#include <immintrin.h>

#include "speed_x86.hpp"

namespace pvt::feature::kernels {

double speed_cov_avx512(const float* x, const float* y, std::ptrdiff_t stride, int height, int width,
                        double mean_x, double mean_y) {
  __m512d a = _mm512_setzero_pd(), b = a;
  const __m512d mx = _mm512_set1_pd(mean_x), my = _mm512_set1_pd(mean_y);
  double rest = 0.0;
  const auto centred = [](const float* p, __m512d mean) {
    return _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(p)), mean);
  };
  for (int i = 0; i < height; ++i) {
    const float* rx = x + i * stride;
    const float* ry = y + i * stride;
    int j = 0;
    for (; j + 15 < width; j += 16) {
      a = _mm512_fmadd_pd(centred(rx + j, mx), centred(ry + j, my), a);
      b = _mm512_fmadd_pd(centred(rx + j + 8, mx), centred(ry + j + 8, my), b);
    }
    for (; j + 7 < width; j += 8) a = _mm512_fmadd_pd(centred(rx + j, mx), centred(ry + j, my), a);
    for (; j < width; ++j) rest += (static_cast<double>(rx[j]) - mean_x) * (static_cast<double>(ry[j]) - mean_y);
  }
  const __m512d c = _mm512_add_pd(b, a);
  const __m256d t = _mm256_add_pd(_mm512_extractf64x4_pd(c, 1), _mm512_castpd512_pd256(c));
  const __m128d u = _mm_add_pd(_mm256_extractf128_pd(t, 1), _mm256_castpd256_pd128(t));
  return (_mm_cvtsd_f64(u) + _mm_cvtsd_f64(_mm_unpackhi_pd(u, u))) + rest;
}

}  // namespace pvt::feature::kernels
