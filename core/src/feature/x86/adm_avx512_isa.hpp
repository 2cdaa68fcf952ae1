#pragma once
// The AVX-512 (F, BW, VL, DQ, CD) operations adm_simd.hpp is written in: 16
// int32 lanes per vector. Include only from files compiled for AVX-512.
#include <immintrin.h>

#include <cstdint>

namespace pvt::feature::kernels {
namespace {

struct AdmOps512 {
  using V = __m512i;
  using M = __mmask16;  // per int32 lane
  using VD = __m512d;   // 8 doubles: half of V's lanes
  using MD = __mmask8;
  using VF = __m512;
  static constexpr int N = 16;
  static constexpr bool kLzcnt = true;   // AVX-512 CD's vplzcntd

  static V load(const void* p) { return _mm512_loadu_si512(p); }
  static void store(void* p, V v) { _mm512_storeu_si512(p, v); }
  static V zero() { return _mm512_setzero_si512(); }
  static V set1(std::int32_t x) { return _mm512_set1_epi32(x); }
  static V set16(int x) { return _mm512_set1_epi16(static_cast<short>(x)); }
  static V set1_64(std::int64_t x) { return _mm512_set1_epi64(x); }
  static V iota() { return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }

  // 32-bit lanes
  static V add(V a, V b) { return _mm512_add_epi32(a, b); }
  static V sub(V a, V b) { return _mm512_sub_epi32(a, b); }
  static V mullo(V a, V b) { return _mm512_mullo_epi32(a, b); }
  static V and_(V a, V b) { return _mm512_and_si512(a, b); }
  static V xor_(V a, V b) { return _mm512_xor_si512(a, b); }
  static V andnot(V a, V b) { return _mm512_andnot_si512(a, b); }  // ~a & b
  template <int S>
  static V srai(V a) { return _mm512_srai_epi32(a, S); }
  template <int S>
  static V srli(V a) { return _mm512_srli_epi32(a, S); }
  template <int S>
  static V slli(V a) { return _mm512_slli_epi32(a, S); }
  static V sra(V a, int s) { return _mm512_sra_epi32(a, _mm_cvtsi32_si128(s)); }
  static V sll(V a, int s) { return _mm512_sll_epi32(a, _mm_cvtsi32_si128(s)); }
  static V sllv(V a, V s) { return _mm512_sllv_epi32(a, s); }
  static V srlv(V a, V s) { return _mm512_srlv_epi32(a, s); }
  static V abs(V a) { return _mm512_abs_epi32(a); }
  static V lzcnt(V a) { return _mm512_lzcnt_epi32(a); }
  static V min(V a, V b) { return _mm512_min_epi32(a, b); }
  static V max(V a, V b) { return _mm512_max_epi32(a, b); }
  static V minu(V a, V b) { return _mm512_min_epu32(a, b); }
  static V maxu(V a, V b) { return _mm512_max_epu32(a, b); }
  static V gather(const std::int32_t* base, V idx) { return _mm512_i32gather_epi32(idx, base, 4); }

  static M cmpgt(V a, V b) { return _mm512_cmpgt_epi32_mask(a, b); }
  static M cmpeq(V a, V b) { return _mm512_cmpeq_epi32_mask(a, b); }
  static M mand(M a, M b) { return static_cast<M>(a & b); }
  static M mandnot(M a, M b) { return static_cast<M>(~a & b); }
  static M mnone() { return 0; }
  static V blend(M m, V a, V b) { return _mm512_mask_blend_epi32(m, a, b); }  // m ? b : a

  // 64-bit lanes
  static V add64(V a, V b) { return _mm512_add_epi64(a, b); }
  static V sub64(V a, V b) { return _mm512_sub_epi64(a, b); }
  static V mul_epi32(V a, V b) { return _mm512_mul_epi32(a, b); }
  static V mul_epu32(V a, V b) { return _mm512_mul_epu32(a, b); }
  template <int S>
  static V srli64(V a) { return _mm512_srli_epi64(a, S); }
  template <int S>
  static V slli64(V a) { return _mm512_slli_epi64(a, S); }
  template <int S>
  static V srai64(V a) { return _mm512_srai_epi64(a, S); }
  static V srl64(V a, int s) { return _mm512_srl_epi64(a, _mm_cvtsi32_si128(s)); }
  static V sll64(V a, int s) { return _mm512_sll_epi64(a, _mm_cvtsi32_si128(s)); }
  static V sra64(V a, int s) { return _mm512_sra_epi64(a, _mm_cvtsi32_si128(s)); }
  static V srlv64(V a, V s) { return _mm512_srlv_epi64(a, s); }
  static V sllv64(V a, V s) { return _mm512_sllv_epi64(a, s); }
  static V min64(V a, V b) { return _mm512_min_epi64(a, b); }
  static V max64(V a, V b) { return _mm512_max_epi64(a, b); }
  static V blend_odd32(V even, V odd) { return _mm512_mask_blend_epi32(0xAAAA, even, odd); }
  // The low halves of a's then b's 64-bit lanes.
  static V pack_lo32(V a, V b) {
    const V idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return _mm512_permutex2var_epi32(a, idx, b);
  }
  // The 128-bit chunks of a and b alternately: a0 b0 a1 b1 | a2 b2 a3 b3.
  static void interleave128(V a, V b, V& first, V& second) {
    first = _mm512_permutex2var_epi64(a, _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11), b);
    second = _mm512_permutex2var_epi64(a, _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15), b);
  }
  // The N int32 lanes (int16 values) as int16.
  static void store_narrow16(std::int16_t* p, V v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtepi32_epi16(v));
  }
  static std::uint64_t hsum64(V a) { return static_cast<std::uint64_t>(_mm512_reduce_add_epi64(a)); }

  // 16-bit lanes
  // Low 16 bits of a, high 16 bits from b's low 16 bits: a madd pair.
  static V pair16(V a, V b) { return _mm512_mask_blend_epi16(0xAAAAAAAAu, a, _mm512_slli_epi32(b, 16)); }
  // High 16 bits of a, then high 16 bits of b: a madd pair.
  static V pair_hi16(V a, V b) { return _mm512_mask_blend_epi16(0xAAAAAAAAu, _mm512_srli_epi32(a, 16), b); }
  // The odd (hi) and even (lo) 16-bit words of a then b, in order.
  static void deint16(V a, V b, V& hi, V& lo) {
    const V even = _mm512_setr_epi32(0x00020000, 0x00060004, 0x000A0008, 0x000E000C, 0x00120010, 0x00160014,
                                     0x001A0018, 0x001E001C, 0x00220020, 0x00260024, 0x002A0028, 0x002E002C,
                                     0x00320030, 0x00360034, 0x003A0038, 0x003E003C);
    lo = _mm512_permutex2var_epi16(a, even, b);
    hi = _mm512_permutex2var_epi16(a, _mm512_add_epi16(even, _mm512_set1_epi16(1)), b);
  }
  // Lanes 1.. of a, then lane 0 of b.
  static V next_lane(V a, V b) { return _mm512_alignr_epi32(b, a, 1); }
  static V madd(V a, V b) { return _mm512_madd_epi16(a, b); }
  // acc + madd(a, b), wrapping (vpdpwssd where the CPU has VNNI).
  static V dot_add(V acc, V a, V b) { return _mm512_add_epi32(acc, _mm512_madd_epi16(a, b)); }
  static V unpacklo16(V a, V b) { return _mm512_unpacklo_epi16(a, b); }
  static V unpackhi16(V a, V b) { return _mm512_unpackhi_epi16(a, b); }
  static V packs32(V a, V b) { return _mm512_packs_epi32(a, b); }
  // 2N samples minus 2^(bpc-1), as int16.
  // Whether any of 2N uint16 samples in four rows exceeds `max`.
  static bool any_above16(const std::uint16_t* a, const std::uint16_t* b, const std::uint16_t* c,
                          const std::uint16_t* d, int max) {
    const V m = _mm512_max_epu16(_mm512_max_epu16(load(a), load(b)), _mm512_max_epu16(load(c), load(d)));
    return _mm512_cmpgt_epu16_mask(m, set16(max)) != 0;
  }
  static V load_centred(const std::uint8_t* p, V) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return _mm512_cvtepi8_epi16(_mm256_xor_si256(x, _mm256_set1_epi8(static_cast<char>(0x80))));
  }
  static V load_centred(const std::uint16_t* p, V half) { return _mm512_sub_epi16(load(p), half); }

  // floating point
  static VF cvt_ps(V a) { return _mm512_cvtepi32_ps(a); }
  static V ps_bits(VF a) { return _mm512_castps_si512(a); }
  static VD ps_pd_lo(VF a) { return _mm512_cvtps_pd(_mm512_castps512_ps256(a)); }
  static VD ps_pd_hi(VF a) {
    return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1)));
  }
  static VD i32_pd_lo(V a) { return _mm512_cvtepi32_pd(_mm512_castsi512_si256(a)); }
  static VD i32_pd_hi(V a) { return _mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(a, 1)); }
  // (double)(float)x of each int64 lane, rounding as C does.
  static VD i64_f_pd(V a) { return _mm512_cvtps_pd(_mm512_cvtepi64_ps(a)); }
  static VD u63_f_pd(V a) { return i64_f_pd(a); }  // lanes known to be >= 0
  static VD set1_pd(double x) { return _mm512_set1_pd(x); }
  static VD mul_pd(VD a, VD b) { return _mm512_mul_pd(a, b); }
  static VD min_pd(VD a, VD b) { return _mm512_min_pd(a, b); }  // a < b ? a : b
  static VD max_pd(VD a, VD b) { return _mm512_max_pd(a, b); }  // a > b ? a : b
  static MD cmpge_pd(VD a, VD b) { return _mm512_cmp_pd_mask(a, b, _CMP_GE_OQ); }
  static MD mdand(MD a, MD b) { return static_cast<MD>(a & b); }
  static M mask_halves(MD lo, MD hi) { return static_cast<M>(lo | (hi << 8)); }
  static M mask_evenodd(MD even, MD odd) {
    return static_cast<M>(_pdep_u32(even, 0x5555u) | _pdep_u32(odd, 0xAAAAu));
  }
  static V pd_i32_round(VD lo, VD hi) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtpd_epi32(lo)), _mm512_cvtpd_epi32(hi), 1);
  }
  static V pd_i32_trunc(VD lo, VD hi) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvttpd_epi32(lo)), _mm512_cvttpd_epi32(hi), 1);
  }
};

}  // namespace
}  // namespace pvt::feature::kernels
