// The CIEDE2000 kernel for AVX-512: ciede_math.hpp over eight doubles.
#include <immintrin.h>

#include "ciede_x86.hpp"

namespace pvt::feature::kernels::ciede_math {
namespace {

struct M8 {
  __mmask8 m;
};

struct V8 {
  __m512d v;
  V8() = default;
  V8(__m512d x) : v(x) {}
  V8(double c) : v(_mm512_set1_pd(c)) {}
};

inline V8 operator+(V8 a, V8 b) { return _mm512_add_pd(a.v, b.v); }
inline V8 operator-(V8 a, V8 b) { return _mm512_sub_pd(a.v, b.v); }
inline V8 operator*(V8 a, V8 b) { return _mm512_mul_pd(a.v, b.v); }
inline V8 operator/(V8 a, V8 b) { return _mm512_div_pd(a.v, b.v); }
inline V8 operator-(V8 a) { return _mm512_xor_pd(a.v, _mm512_set1_pd(-0.0)); }
inline M8 operator<(V8 a, V8 b) { return {_mm512_cmp_pd_mask(a.v, b.v, _CMP_LT_OQ)}; }
inline M8 operator<=(V8 a, V8 b) { return {_mm512_cmp_pd_mask(a.v, b.v, _CMP_LE_OQ)}; }
inline M8 operator>(V8 a, V8 b) { return {_mm512_cmp_pd_mask(a.v, b.v, _CMP_GT_OQ)}; }
inline M8 operator==(V8 a, V8 b) { return {_mm512_cmp_pd_mask(a.v, b.v, _CMP_EQ_OQ)}; }
inline M8 both(M8 a, M8 b) { return {static_cast<__mmask8>(a.m & b.m)}; }
inline M8 either(M8 a, M8 b) { return {static_cast<__mmask8>(a.m | b.m)}; }
inline V8 select(M8 m, V8 if_true, V8 if_false) { return _mm512_mask_blend_pd(m.m, if_false.v, if_true.v); }
inline V8 vsqrt(V8 x) { return _mm512_sqrt_pd(x.v); }
inline V8 vabs(V8 x) { return _mm512_abs_pd(x.v); }
inline V8 vfloor(V8 x) { return _mm512_roundscale_pd(x.v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
inline V8 vround(V8 x) { return _mm512_roundscale_pd(x.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline V8 to_float(V8 x) { return _mm512_cvtps_pd(_mm512_cvtpd_ps(x.v)); }
inline V8 copy_sign(V8 magnitude, V8 sign) {
  const __m512d s = _mm512_set1_pd(-0.0);
  return _mm512_or_pd(_mm512_andnot_pd(s, magnitude.v), _mm512_and_pd(s, sign.v));
}

inline V8 pow2i(V8 k) {
  k = _mm512_min_pd(_mm512_max_pd(k.v, _mm512_set1_pd(-1022.0)), _mm512_set1_pd(1023.0));
  const __m512i bits = _mm512_cvtpd_epi64(k.v);  // exact: k is integral
  return _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_add_epi64(bits, _mm512_set1_epi64(1023)), 52));
}

inline void split_exponent(V8 x, V8& m, V8& e) {
  const __m512i bits = _mm512_castpd_si512(x.v);
  const __m512i field = _mm512_and_si512(_mm512_srli_epi64(bits, 52), _mm512_set1_epi64(0x7ff));
  e = _mm512_sub_pd(_mm512_cvtepi64_pd(field), _mm512_set1_pd(1023.0));
  m = _mm512_castsi512_pd(_mm512_or_si512(_mm512_and_si512(bits, _mm512_set1_epi64(0x000fffffffffffff)),
                                          _mm512_set1_epi64(0x3ff0000000000000)));
}

}  // namespace
}  // namespace pvt::feature::kernels::ciede_math

#include "../kernels/ciede_math.hpp"

namespace pvt::feature::kernels {

void ciede_avx512(const CiedePixels& ref, const CiedePixels& dist, std::size_t n, int bpc, float* out) {
  ciede_math::run<ciede_math::V8, 8>(
      ref, dist, n, bpc, out, [](const float* p) { return ciede_math::V8(_mm512_cvtps_pd(_mm256_loadu_ps(p))); },
      [](float* p, ciede_math::V8 v) { _mm256_storeu_ps(p, _mm512_cvtpd_ps(v.v)); });
}

}  // namespace pvt::feature::kernels
