#pragma once
// The AVX2 operations adm_simd.hpp is written in: 8 int32 lanes per vector.
// Masks are vectors of all-ones / all-zero lanes; the 64-bit operations AVX2
// lacks are emulated. Include only from files compiled for AVX2.
#include <immintrin.h>

#include <cstdint>

namespace pvt::feature::kernels {
namespace {

struct AdmOps2 {
  using V = __m256i;
  using M = __m256i;   // per int32 lane
  using VD = __m256d;  // 4 doubles: half of V's lanes
  using MD = __m256i;  // per 64-bit lane
  using VF = __m256;
  static constexpr int N = 8;
  static constexpr bool kLzcnt = false;

  static V load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
  static void store(void* p, V v) { _mm256_storeu_si256(static_cast<__m256i*>(p), v); }
  static V zero() { return _mm256_setzero_si256(); }
  static V set1(std::int32_t x) { return _mm256_set1_epi32(x); }
  static V set16(int x) { return _mm256_set1_epi16(static_cast<short>(x)); }
  static V set1_64(std::int64_t x) { return _mm256_set1_epi64x(x); }
  static V iota() { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }

  // 32-bit lanes
  static V add(V a, V b) { return _mm256_add_epi32(a, b); }
  static V sub(V a, V b) { return _mm256_sub_epi32(a, b); }
  static V mullo(V a, V b) { return _mm256_mullo_epi32(a, b); }
  static V and_(V a, V b) { return _mm256_and_si256(a, b); }
  static V xor_(V a, V b) { return _mm256_xor_si256(a, b); }
  static V andnot(V a, V b) { return _mm256_andnot_si256(a, b); }  // ~a & b
  template <int S>
  static V srai(V a) { return _mm256_srai_epi32(a, S); }
  template <int S>
  static V srli(V a) { return _mm256_srli_epi32(a, S); }
  template <int S>
  static V slli(V a) { return _mm256_slli_epi32(a, S); }
  static V sra(V a, int s) { return _mm256_sra_epi32(a, _mm_cvtsi32_si128(s)); }
  static V sll(V a, int s) { return _mm256_sll_epi32(a, _mm_cvtsi32_si128(s)); }
  static V sllv(V a, V s) { return _mm256_sllv_epi32(a, s); }
  static V srlv(V a, V s) { return _mm256_srlv_epi32(a, s); }
  static V abs(V a) { return _mm256_abs_epi32(a); }
  static V min(V a, V b) { return _mm256_min_epi32(a, b); }
  static V max(V a, V b) { return _mm256_max_epi32(a, b); }
  static V minu(V a, V b) { return _mm256_min_epu32(a, b); }
  static V maxu(V a, V b) { return _mm256_max_epu32(a, b); }
  static V gather(const std::int32_t* base, V idx) { return _mm256_i32gather_epi32(base, idx, 4); }

  static M cmpgt(V a, V b) { return _mm256_cmpgt_epi32(a, b); }
  static M cmpeq(V a, V b) { return _mm256_cmpeq_epi32(a, b); }
  static M mand(M a, M b) { return _mm256_and_si256(a, b); }
  static M mandnot(M a, M b) { return _mm256_andnot_si256(a, b); }
  static M mnone() { return _mm256_setzero_si256(); }
  static V blend(M m, V a, V b) { return _mm256_blendv_epi8(a, b, m); }  // m ? b : a

  // 64-bit lanes
  static V add64(V a, V b) { return _mm256_add_epi64(a, b); }
  static V sub64(V a, V b) { return _mm256_sub_epi64(a, b); }
  static V mul_epi32(V a, V b) { return _mm256_mul_epi32(a, b); }
  static V mul_epu32(V a, V b) { return _mm256_mul_epu32(a, b); }
  template <int S>
  static V srli64(V a) { return _mm256_srli_epi64(a, S); }
  template <int S>
  static V slli64(V a) { return _mm256_slli_epi64(a, S); }
  static V srl64(V a, int s) { return _mm256_srl_epi64(a, _mm_cvtsi32_si128(s)); }
  static V sll64(V a, int s) { return _mm256_sll_epi64(a, _mm_cvtsi32_si128(s)); }
  // Arithmetic: the logical shift with the sign filled in (a count of 64
  // shifts everything out).
  static V sra64(V a, int s) {
    const V sign = _mm256_cmpgt_epi64(zero(), a);
    return _mm256_or_si256(srl64(a, s), sll64(sign, 64 - s));
  }
  static V srlv64(V a, V s) { return _mm256_srlv_epi64(a, s); }
  static V sllv64(V a, V s) { return _mm256_sllv_epi64(a, s); }
  static V min64(V a, V b) { return _mm256_blendv_epi8(a, b, _mm256_cmpgt_epi64(a, b)); }
  static V max64(V a, V b) { return _mm256_blendv_epi8(b, a, _mm256_cmpgt_epi64(a, b)); }
  static V blend_odd32(V even, V odd) { return _mm256_blend_epi32(even, odd, 0xAA); }
  static V pack_lo32(V a, V b) {
    const __m256 s = _mm256_shuffle_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b), 0x88);
    return _mm256_permute4x64_epi64(_mm256_castps_si256(s), 0xD8);
  }
  // The 128-bit chunks of a and b alternately: a0 b0 | a1 b1.
  static void interleave128(V a, V b, V& first, V& second) {
    first = _mm256_permute2x128_si256(a, b, 0x20);
    second = _mm256_permute2x128_si256(a, b, 0x31);
  }
  // The N int32 lanes (int16 values) as int16.
  static void store_narrow16(std::int16_t* p, V v) {
    const V packed = _mm256_permute4x64_epi64(_mm256_packs_epi32(v, v), 0x08);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(packed));
  }
  static std::uint64_t hsum64(V a) {
    const __m128i s = _mm_add_epi64(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
    return static_cast<std::uint64_t>(_mm_cvtsi128_si64(s)) + static_cast<std::uint64_t>(_mm_extract_epi64(s, 1));
  }

  // 16-bit lanes
  // Low 16 bits of a, high 16 bits from b's low 16 bits: a madd pair.
  static V pair16(V a, V b) { return _mm256_blend_epi16(a, _mm256_slli_epi32(b, 16), 0xAA); }
  // High 16 bits of a, then high 16 bits of b: a madd pair.
  static V pair_hi16(V a, V b) { return _mm256_blend_epi16(_mm256_srli_epi32(a, 16), b, 0xAA); }
  // The odd (hi) and even (lo) 16-bit words of a then b, in order.
  static void deint16(V a, V b, V& hi, V& lo) {
    hi = _mm256_permute4x64_epi64(_mm256_packus_epi32(_mm256_srli_epi32(a, 16), _mm256_srli_epi32(b, 16)), 0xD8);
    lo = _mm256_permute4x64_epi64(
        _mm256_packus_epi32(_mm256_blend_epi16(a, zero(), 0xAA), _mm256_blend_epi16(b, zero(), 0xAA)), 0xD8);
  }
  // Lanes 1.. of a, then lane 0 of b.
  static V next_lane(V a, V b) { return _mm256_alignr_epi8(_mm256_permute2x128_si256(a, b, 0x21), a, 4); }
  static V madd(V a, V b) { return _mm256_madd_epi16(a, b); }
  static V dot_add(V acc, V a, V b) { return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b)); }
  static V unpacklo16(V a, V b) { return _mm256_unpacklo_epi16(a, b); }
  static V unpackhi16(V a, V b) { return _mm256_unpackhi_epi16(a, b); }
  static V packs32(V a, V b) { return _mm256_packs_epi32(a, b); }
  // Whether any of 2N uint16 samples in four rows exceeds `max`.
  static bool any_above16(const std::uint16_t* a, const std::uint16_t* b, const std::uint16_t* c,
                          const std::uint16_t* d, int max) {
    const V m = _mm256_max_epu16(_mm256_max_epu16(load(a), load(b)), _mm256_max_epu16(load(c), load(d)));
    const V lim = set16(max);
    return _mm256_movemask_epi8(_mm256_cmpeq_epi16(_mm256_max_epu16(m, lim), lim)) != -1;
  }
  static V load_centred(const std::uint8_t* p, V) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_cvtepi8_epi16(_mm_xor_si128(x, _mm_set1_epi8(static_cast<char>(0x80))));
  }
  static V load_centred(const std::uint16_t* p, V half) { return _mm256_sub_epi16(load(p), half); }

  // floating point
  static VF cvt_ps(V a) { return _mm256_cvtepi32_ps(a); }
  static V ps_bits(VF a) { return _mm256_castps_si256(a); }
  static VD ps_pd_lo(VF a) { return _mm256_cvtps_pd(_mm256_castps256_ps128(a)); }
  static VD ps_pd_hi(VF a) { return _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)); }
  static VD i32_pd_lo(V a) { return _mm256_cvtepi32_pd(_mm256_castsi256_si128(a)); }
  static VD i32_pd_hi(V a) { return _mm256_cvtepi32_pd(_mm256_extracti128_si256(a, 1)); }
  // (double)(float)x of each int64 lane, rounding as C does.
  static VD i64_f_pd(V a) {
    const V sign = _mm256_cmpgt_epi64(zero(), a);
    const VD f = u63_f_pd(_mm256_sub_epi64(_mm256_xor_si256(a, sign), sign));
    return _mm256_xor_pd(f, _mm256_castsi256_pd(_mm256_and_si256(sign, set1_64(static_cast<std::int64_t>(
                                                                         0x8000000000000000ull)))));
  }
  // The same for lanes known to be >= 0. The value is first made exact in
  // double: above 2^53 its low 11 bits collapse into a sticky bit (rounding
  // to odd, far below float's rounding point), and the two 32-bit halves
  // convert exactly (2^52 + x has x in its mantissa); the double then rounds
  // once to float.
  static VD u63_f_pd(V u) {
    const V low = _mm256_and_si256(u, set1_64(0x7FF));
    const V sticky = _mm256_andnot_si256(_mm256_cmpeq_epi64(low, zero()), set1_64(0x800));
    const V odd = _mm256_or_si256(_mm256_andnot_si256(set1_64(0x7FF), u), sticky);
    u = _mm256_blendv_epi8(u, odd, _mm256_cmpgt_epi64(u, set1_64((std::int64_t{1} << 53) - 1)));
    const V magic = set1_64(0x4330000000000000ll);  // 2^52
    const VD two52 = _mm256_set1_pd(4503599627370496.0);
    const VD hi = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64(u, 32), magic)), two52);
    const VD lo = _mm256_sub_pd(
        _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(u, set1_64(0xFFFFFFFFll)), magic)), two52);
    const VD d = _mm256_add_pd(_mm256_mul_pd(hi, _mm256_set1_pd(4294967296.0)), lo);
    return _mm256_cvtps_pd(_mm256_cvtpd_ps(d));
  }
  static VD set1_pd(double x) { return _mm256_set1_pd(x); }
  static VD mul_pd(VD a, VD b) { return _mm256_mul_pd(a, b); }
  static VD min_pd(VD a, VD b) { return _mm256_min_pd(a, b); }
  static VD max_pd(VD a, VD b) { return _mm256_max_pd(a, b); }
  static MD cmpge_pd(VD a, VD b) { return _mm256_castpd_si256(_mm256_cmp_pd(a, b, _CMP_GE_OQ)); }
  static MD mdand(MD a, MD b) { return _mm256_and_si256(a, b); }
  static M mask_halves(MD lo, MD hi) {
    const V idx = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    return _mm256_blend_epi32(_mm256_permutevar8x32_epi32(lo, idx), _mm256_permutevar8x32_epi32(hi, idx), 0xF0);
  }
  static M mask_evenodd(MD even, MD odd) { return _mm256_blend_epi32(even, odd, 0xAA); }
  static V pd_i32_round(VD lo, VD hi) { return _mm256_set_m128i(_mm256_cvtpd_epi32(hi), _mm256_cvtpd_epi32(lo)); }
  static V pd_i32_trunc(VD lo, VD hi) {
    return _mm256_set_m128i(_mm256_cvttpd_epi32(hi), _mm256_cvttpd_epi32(lo));
  }
};

}  // namespace
}  // namespace pvt::feature::kernels
