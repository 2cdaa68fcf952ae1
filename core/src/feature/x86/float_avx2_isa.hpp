#pragma once
// The AVX2 float operations the float kernels (float_*_simd.hpp) are written
// in: 8 floats per step. Include only from files compiled for AVX2.
//
// Every operation is the IEEE operation of the scalar code lane by lane (no
// fused multiply-add); max/min are C's a > b ? a : b and a < b ? a : b
// (MAXPS/MINPS return the second operand on NaN and on equal inputs).
#include <immintrin.h>

#include <cstdint>

namespace pvt::feature::kernels {
namespace {

struct FloatAvx2 {
  using F = __m256;
  using D = __m256d;  // half of F's lanes as doubles
  using I = __m256i;
  using M = __m256;  // all-ones lanes where true
  static constexpr int N = 8;

  static F load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static F set1(float x) { return _mm256_set1_ps(x); }
  static F zero() { return _mm256_setzero_ps(); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F div(F a, F b) { return _mm256_div_ps(a, b); }
  static F max(F a, F b) { return _mm256_max_ps(a, b); }
  static F min(F a, F b) { return _mm256_min_ps(a, b); }
  static F abs(F a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  static M lt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static M gt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static M ge(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
  static M eq(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  static M mand(M a, M b) { return _mm256_and_ps(a, b); }
  static F select(M m, F a, F b) { return _mm256_blendv_ps(b, a, m); }  // m ? a : b
  // The CPU's approximate reciprocal, the same per lane as RCPSS.
  static F rcp(F a) { return _mm256_rcp_ps(a); }

  // Splits the 2N floats at p into even- and odd-indexed ones, in order.
  static void deinterleave(const float* p, F& even, F& odd) {
    const F a = load(p), b = load(p + N);
    even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
    odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
  }

  // N samples as floats.
  static F widen(const std::uint8_t* p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  }
  static F widen(const std::uint16_t* p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
  }

  static D lo(F a) { return _mm256_cvtps_pd(_mm256_castps256_ps128(a)); }
  static D hi(F a) { return _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)); }
  static F narrow(D lo, D hi) {
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)), _mm256_cvtpd_ps(hi), 1);
  }
  static D dset1(double x) { return _mm256_set1_pd(x); }
  static D dadd(D a, D b) { return _mm256_add_pd(a, b); }
  static D dmul(D a, D b) { return _mm256_mul_pd(a, b); }
  static D ddiv(D a, D b) { return _mm256_div_pd(a, b); }
  // a < b ? a : b and a > b ? a : b in double.
  static D dmin(D a, D b) { return _mm256_min_pd(a, b); }
  static D dmax(D a, D b) { return _mm256_max_pd(a, b); }

  static I bits(F a) { return _mm256_castps_si256(a); }
  static F from_bits(I a) { return _mm256_castsi256_ps(a); }
  static I iset1(std::int32_t x) { return _mm256_set1_epi32(x); }
  static I iand(I a, I b) { return _mm256_and_si256(a, b); }
  static I ior(I a, I b) { return _mm256_or_si256(a, b); }
  static I isub(I a, I b) { return _mm256_sub_epi32(a, b); }
  template <int S>
  static I srli(I a) { return _mm256_srli_epi32(a, S); }
  static F to_float(I a) { return _mm256_cvtepi32_ps(a); }
};

}  // namespace
}  // namespace pvt::feature::kernels
