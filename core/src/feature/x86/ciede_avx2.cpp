// The CIEDE2000 kernel for AVX2: ciede_math.hpp over four doubles.
#include <immintrin.h>

#include "ciede_x86.hpp"

namespace pvt::feature::kernels::ciede_math {
namespace {

struct M4 {
  __m256d m;
};

struct V4 {
  __m256d v;
  V4() = default;
  V4(__m256d x) : v(x) {}
  V4(double c) : v(_mm256_set1_pd(c)) {}
};

inline V4 operator+(V4 a, V4 b) { return _mm256_add_pd(a.v, b.v); }
inline V4 operator-(V4 a, V4 b) { return _mm256_sub_pd(a.v, b.v); }
inline V4 operator*(V4 a, V4 b) { return _mm256_mul_pd(a.v, b.v); }
inline V4 operator/(V4 a, V4 b) { return _mm256_div_pd(a.v, b.v); }
inline V4 operator-(V4 a) { return _mm256_xor_pd(a.v, _mm256_set1_pd(-0.0)); }
inline M4 operator<(V4 a, V4 b) { return {_mm256_cmp_pd(a.v, b.v, _CMP_LT_OQ)}; }
inline M4 operator<=(V4 a, V4 b) { return {_mm256_cmp_pd(a.v, b.v, _CMP_LE_OQ)}; }
inline M4 operator>(V4 a, V4 b) { return {_mm256_cmp_pd(a.v, b.v, _CMP_GT_OQ)}; }
inline M4 operator==(V4 a, V4 b) { return {_mm256_cmp_pd(a.v, b.v, _CMP_EQ_OQ)}; }
inline M4 both(M4 a, M4 b) { return {_mm256_and_pd(a.m, b.m)}; }
inline M4 either(M4 a, M4 b) { return {_mm256_or_pd(a.m, b.m)}; }
inline V4 select(M4 m, V4 if_true, V4 if_false) { return _mm256_blendv_pd(if_false.v, if_true.v, m.m); }
inline V4 vsqrt(V4 x) { return _mm256_sqrt_pd(x.v); }
inline V4 vabs(V4 x) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), x.v); }
inline V4 vfloor(V4 x) { return _mm256_floor_pd(x.v); }
inline V4 vround(V4 x) { return _mm256_round_pd(x.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline V4 to_float(V4 x) { return _mm256_cvtps_pd(_mm256_cvtpd_ps(x.v)); }
inline V4 copy_sign(V4 magnitude, V4 sign) {
  const __m256d s = _mm256_set1_pd(-0.0);
  return _mm256_or_pd(_mm256_andnot_pd(s, magnitude.v), _mm256_and_pd(s, sign.v));
}

inline V4 pow2i(V4 k) {
  k = _mm256_min_pd(_mm256_max_pd(k.v, _mm256_set1_pd(-1022.0)), _mm256_set1_pd(1023.0));
  // k + 1.5 * 2^52 holds k in its low bits; add the bias and move it to the exponent.
  const __m256i bits = _mm256_castpd_si256(_mm256_add_pd(k.v, _mm256_set1_pd(6755399441055744.0)));
  return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(bits, _mm256_set1_epi64x(1023)), 52));
}

inline void split_exponent(V4 x, V4& m, V4& e) {
  const __m256i bits = _mm256_castpd_si256(x.v);
  // The 11 exponent bits as the low bits of 2^52 + field, an exact double.
  const __m256i field = _mm256_and_si256(_mm256_srli_epi64(bits, 52), _mm256_set1_epi64x(0x7ff));
  const __m256d biased = _mm256_sub_pd(
      _mm256_castsi256_pd(_mm256_or_si256(field, _mm256_set1_epi64x(0x4330000000000000))),
      _mm256_set1_pd(4503599627370496.0));
  e = _mm256_sub_pd(biased, _mm256_set1_pd(1023.0));
  m = _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi64x(0x000fffffffffffff)),
                                          _mm256_set1_epi64x(0x3ff0000000000000)));
}

}  // namespace
}  // namespace pvt::feature::kernels::ciede_math

#include "../kernels/ciede_math.hpp"

namespace pvt::feature::kernels {

void ciede_avx2(const CiedePixels& ref, const CiedePixels& dist, std::size_t n, int bpc, float* out) {
  ciede_math::run<ciede_math::V4, 4>(
      ref, dist, n, bpc, out, [](const float* p) { return ciede_math::V4(_mm256_cvtps_pd(_mm_loadu_ps(p))); },
      [](float* p, ciede_math::V4 v) { _mm_storeu_ps(p, _mm256_cvtpd_ps(v.v)); });
}

}  // namespace pvt::feature::kernels
