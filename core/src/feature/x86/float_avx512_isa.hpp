#pragma once
// The AVX-512 (F, DQ) float operations the float kernels
// (float_*_simd.hpp) are written in: 16 floats per step. Include only from
// files compiled for AVX-512. Same rules as float_avx2_isa.hpp.
#include <immintrin.h>

#include <cstdint>

namespace pvt::feature::kernels {
namespace {

struct FloatAvx512 {
  using F = __m512;
  using D = __m512d;  // half of F's lanes as doubles
  using I = __m512i;
  using M = __mmask16;
  static constexpr int N = 16;

  static F load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static F set1(float x) { return _mm512_set1_ps(x); }
  static F zero() { return _mm512_setzero_ps(); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F div(F a, F b) { return _mm512_div_ps(a, b); }
  static F max(F a, F b) { return _mm512_max_ps(a, b); }
  static F min(F a, F b) { return _mm512_min_ps(a, b); }
  static F abs(F a) { return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(a), _mm512_set1_epi32(0x7FFFFFFF))); }
  static M lt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static M gt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static M ge(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
  static M eq(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  static M mand(M a, M b) { return static_cast<M>(a & b); }
  static F select(M m, F a, F b) { return _mm512_mask_blend_ps(m, b, a); }  // m ? a : b
  // RCPPS on each half: AVX-512's own reciprocal (RCP14PS) is a different approximation.
  static F rcp(F a) {
    const __m256 lo = _mm256_rcp_ps(_mm512_castps512_ps256(a));
    const __m256 hi = _mm256_rcp_ps(_mm512_extractf32x8_ps(a, 1));
    return _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
  }

  // Splits the 2N floats at p into even- and odd-indexed ones, in order.
  static void deinterleave(const float* p, F& even, F& odd) {
    const F a = load(p), b = load(p + N);
    const __m512i ei = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i oi = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    even = _mm512_permutex2var_ps(a, ei, b);
    odd = _mm512_permutex2var_ps(a, oi, b);
  }

  // N samples as floats.
  static F widen(const std::uint8_t* p) {
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
  }
  static F widen(const std::uint16_t* p) {
    return _mm512_cvtepi32_ps(_mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))));
  }

  static D lo(F a) { return _mm512_cvtps_pd(_mm512_castps512_ps256(a)); }
  static D hi(F a) { return _mm512_cvtps_pd(_mm512_extractf32x8_ps(a, 1)); }
  static F narrow(D lo, D hi) {
    return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo)), _mm512_cvtpd_ps(hi), 1);
  }
  static D dset1(double x) { return _mm512_set1_pd(x); }
  static D dadd(D a, D b) { return _mm512_add_pd(a, b); }
  static D dmul(D a, D b) { return _mm512_mul_pd(a, b); }
  static D ddiv(D a, D b) { return _mm512_div_pd(a, b); }
  static D dmin(D a, D b) { return _mm512_min_pd(a, b); }
  static D dmax(D a, D b) { return _mm512_max_pd(a, b); }

  static I bits(F a) { return _mm512_castps_si512(a); }
  static F from_bits(I a) { return _mm512_castsi512_ps(a); }
  static I iset1(std::int32_t x) { return _mm512_set1_epi32(x); }
  static I iand(I a, I b) { return _mm512_and_si512(a, b); }
  static I ior(I a, I b) { return _mm512_or_si512(a, b); }
  static I isub(I a, I b) { return _mm512_sub_epi32(a, b); }
  template <int S>
  static I srli(I a) { return _mm512_srli_epi32(a, S); }
  static F to_float(I a) { return _mm512_cvtepi32_ps(a); }
};

}  // namespace
}  // namespace pvt::feature::kernels
