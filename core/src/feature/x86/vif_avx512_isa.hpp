#pragma once
// The AVX-512 (F, BW, VL, DQ) operations vif_simd.hpp is written in: 32
// columns per step. Include only from files compiled for AVX-512.
#include <immintrin.h>

#include <bit>

#include <cstdint>

namespace pvt::feature::kernels {
namespace {

struct Avx512 {
  using V = __m512i;
  using Vh = __m256i;
  using Vd = __m512d;
  using M = __mmask16;
  static constexpr int kWords = 32;

  static V zero() { return _mm512_setzero_si512(); }
  static V set16(int x) { return _mm512_set1_epi16(static_cast<short>(x)); }
  static V set32(std::int32_t x) { return _mm512_set1_epi32(x); }
  static V set64(std::int64_t x) { return _mm512_set1_epi64(x); }
  static V load(const void* p) { return _mm512_loadu_si512(p); }
  static void store(void* p, V v) { _mm512_storeu_si512(p, v); }
  static V load_words(const std::uint16_t* p) { return load(p); }
  static V load_words(const std::uint8_t* p) {
    return _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  // 8-bit samples minus 128, as int16.
  static V load_centred(const std::uint8_t* p) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return _mm512_cvtepi8_epi16(_mm256_xor_si256(x, _mm256_set1_epi8(static_cast<char>(0x80))));
  }

  static void prefetch(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }
  static V add16(V a, V b) { return _mm512_add_epi16(a, b); }
  static V add32(V a, V b) { return _mm512_add_epi32(a, b); }
  static V sub32(V a, V b) { return _mm512_sub_epi32(a, b); }
  static V add64(V a, V b) { return _mm512_add_epi64(a, b); }
  static V sub64(V a, V b) { return _mm512_sub_epi64(a, b); }
  static V xor_(V a, V b) { return _mm512_xor_si512(a, b); }
  static V and_(V a, V b) { return _mm512_and_si512(a, b); }
  static V or_(V a, V b) { return _mm512_or_si512(a, b); }
  static V max32(V a, V b) { return _mm512_max_epi32(a, b); }
  // acc + a0 * b0 + a1 * b1 over the int16 pairs of each 32-bit lane.
  static V dot_add(V acc, V a, V b) { return _mm512_add_epi32(acc, _mm512_madd_epi16(a, b)); }
  static V mullo16(V a, V b) { return _mm512_mullo_epi16(a, b); }
  static V mulhi16(V a, V b) { return _mm512_mulhi_epu16(a, b); }  // unsigned
  static V mul_epu32(V a, V b) { return _mm512_mul_epu32(a, b); }
  static V unpacklo16(V a, V b) { return _mm512_unpacklo_epi16(a, b); }
  static V unpackhi16(V a, V b) { return _mm512_unpackhi_epi16(a, b); }
  static V packus32(V a, V b) { return _mm512_packus_epi32(a, b); }
  template <int N>
  static V srli32(V a) { return _mm512_srli_epi32(a, N); }
  template <int N>
  static V slli32(V a) { return _mm512_slli_epi32(a, N); }
  template <int N>
  static V srai32(V a) { return _mm512_srai_epi32(a, N); }
  template <int N>
  static V srli64(V a) { return _mm512_srli_epi64(a, N); }
  template <int N>
  static V slli64(V a) { return _mm512_slli_epi64(a, N); }
  static V srl32(V a, int n) { return _mm512_srl_epi32(a, _mm_cvtsi32_si128(n)); }
  static V sll32(V a, int n) { return _mm512_sll_epi32(a, _mm_cvtsi32_si128(n)); }
  static V srlv32(V a, V n) { return _mm512_srlv_epi32(a, n); }
  static V blend_odd32(V even, V odd) { return _mm512_mask_blend_epi32(0xAAAA, even, odd); }
  static V float_bits(V a) { return _mm512_castps_si512(_mm512_cvtepi32_ps(a)); }

  static M lt32(V a, V b) { return _mm512_cmplt_epi32_mask(a, b); }
  static M gt32(V a, V b) { return _mm512_cmpgt_epi32_mask(a, b); }
  static M mand(M a, M b) { return static_cast<M>(a & b); }
  static M mandnot(M a, M b) { return static_cast<M>(~a & b); }
  static M first_lanes(int n) { return n >= 16 ? M{0xffff} : static_cast<M>((1u << n) - 1); }
  static bool none(M m) { return m == 0; }
  static bool none16(V v) { return _mm512_test_epi64_mask(v, v) == 0; }  // all bits clear
  static int count(M m) { return std::popcount(static_cast<unsigned>(m)); }
  static V masked32(M m, V v) { return _mm512_maskz_mov_epi32(m, v); }
  static V mask_add32(V acc, M m, V v) { return _mm512_mask_add_epi32(acc, m, acc, v); }

  template <int H>
  static Vh half(V v) { return H ? _mm512_extracti64x4_epi64(v, 1) : _mm512_castsi512_si256(v); }
  static Vh zero_h() { return _mm256_setzero_si256(); }
  static Vh set32h(std::int32_t x) { return _mm256_set1_epi32(x); }
  static Vh add32h(Vh a, Vh b) { return _mm256_add_epi32(a, b); }
  static Vh max32h(Vh a, Vh b) { return _mm256_max_epi32(a, b); }
  static Vd cvt_pd(Vh a) { return _mm512_cvtepi32_pd(a); }
  static Vh cvtt_i32(Vd a) { return _mm512_cvttpd_epi32(a); }
  static V combine(Vh lo, Vh hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }
  static Vh narrow64(V a) { return _mm512_cvtepi64_epi32(a); }  // low halves of the 64-bit lanes
  static Vd set_pd(double x) { return _mm512_set1_pd(x); }
  static Vd add_pd(Vd a, Vd b) { return _mm512_add_pd(a, b); }
  static Vd sub_pd(Vd a, Vd b) { return _mm512_sub_pd(a, b); }
  static Vd mul_pd(Vd a, Vd b) { return _mm512_mul_pd(a, b); }
  static Vd div_pd(Vd a, Vd b) { return _mm512_div_pd(a, b); }
  static Vd min_pd(Vd a, Vd b) { return _mm512_min_pd(a, b); }
  static Vd trunc_pd(Vd a) { return _mm512_roundscale_pd(a, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); }
  static V bits(Vd a) { return _mm512_castpd_si512(a); }

  // table[idx] for idx < 65536 (a 32-bit load at table + 2 * idx: the table is padded).
  static V lookup(const std::uint16_t* table, V idx) {
    return and_(_mm512_i32gather_epi32(idx, table, 2), set32(0xffff));
  }

  static std::int64_t sum64(V v) { return _mm512_reduce_add_epi64(v); }
  static std::int64_t sum32(V v) {
    return sum64(_mm512_add_epi64(_mm512_cvtepi32_epi64(half<0>(v)), _mm512_cvtepi32_epi64(half<1>(v))));
  }
  // 32-bit lanes (values below 2^16) to 16-bit, in order.
  static Vh narrow16(V v) { return _mm512_cvtepi32_epi16(v); }
  static void store_words(std::uint16_t* p, Vh v, int n) {
    if (n >= 16)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
    else
      _mm256_mask_storeu_epi16(p, static_cast<__mmask16>((1u << n) - 1), v);
  }
};

}  // namespace
}  // namespace pvt::feature::kernels
