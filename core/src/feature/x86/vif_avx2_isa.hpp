#pragma once
// The AVX2 operations vif_simd.hpp is written in: 16 columns per step.
// Include only from files compiled for AVX2.
#include <immintrin.h>

#include <bit>

#include <cstdint>
#include <cstring>

namespace pvt::feature::kernels {
namespace {

struct Avx2 {
  using V = __m256i;
  using Vh = __m128i;
  using Vd = __m256d;
  using M = __m256i;  // all-ones 32-bit lanes
  static constexpr int kWords = 16;

  static V zero() { return _mm256_setzero_si256(); }
  static V set16(int x) { return _mm256_set1_epi16(static_cast<short>(x)); }
  static V set32(std::int32_t x) { return _mm256_set1_epi32(x); }
  static V set64(std::int64_t x) { return _mm256_set1_epi64x(x); }
  static V load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
  static void store(void* p, V v) { _mm256_storeu_si256(static_cast<__m256i*>(p), v); }
  static V load_words(const std::uint16_t* p) { return load(p); }
  static V load_words(const std::uint8_t* p) {
    return _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  // 8-bit samples minus 128, as int16.
  static V load_centred(const std::uint8_t* p) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_cvtepi8_epi16(_mm_xor_si128(x, _mm_set1_epi8(static_cast<char>(0x80))));
  }

  static void prefetch(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }
  static V add16(V a, V b) { return _mm256_add_epi16(a, b); }
  static V add32(V a, V b) { return _mm256_add_epi32(a, b); }
  static V sub32(V a, V b) { return _mm256_sub_epi32(a, b); }
  static V add64(V a, V b) { return _mm256_add_epi64(a, b); }
  static V sub64(V a, V b) { return _mm256_sub_epi64(a, b); }
  static V xor_(V a, V b) { return _mm256_xor_si256(a, b); }
  static V and_(V a, V b) { return _mm256_and_si256(a, b); }
  static V or_(V a, V b) { return _mm256_or_si256(a, b); }
  static V max32(V a, V b) { return _mm256_max_epi32(a, b); }
  // acc + a0 * b0 + a1 * b1 over the int16 pairs of each 32-bit lane.
  static V dot_add(V acc, V a, V b) { return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b)); }
  static V mullo16(V a, V b) { return _mm256_mullo_epi16(a, b); }
  static V mulhi16(V a, V b) { return _mm256_mulhi_epu16(a, b); }  // unsigned
  static V mul_epu32(V a, V b) { return _mm256_mul_epu32(a, b); }
  static V unpacklo16(V a, V b) { return _mm256_unpacklo_epi16(a, b); }
  static V unpackhi16(V a, V b) { return _mm256_unpackhi_epi16(a, b); }
  static V packus32(V a, V b) { return _mm256_packus_epi32(a, b); }
  template <int N>
  static V srli32(V a) { return _mm256_srli_epi32(a, N); }
  template <int N>
  static V slli32(V a) { return _mm256_slli_epi32(a, N); }
  template <int N>
  static V srai32(V a) { return _mm256_srai_epi32(a, N); }
  template <int N>
  static V srli64(V a) { return _mm256_srli_epi64(a, N); }
  template <int N>
  static V slli64(V a) { return _mm256_slli_epi64(a, N); }
  static V srl32(V a, int n) { return _mm256_srl_epi32(a, _mm_cvtsi32_si128(n)); }
  static V sll32(V a, int n) { return _mm256_sll_epi32(a, _mm_cvtsi32_si128(n)); }
  static V srlv32(V a, V n) { return _mm256_srlv_epi32(a, n); }
  static V blend_odd32(V even, V odd) { return _mm256_blend_epi32(even, odd, 0xAA); }
  static V float_bits(V a) { return _mm256_castps_si256(_mm256_cvtepi32_ps(a)); }

  static M lt32(V a, V b) { return _mm256_cmpgt_epi32(b, a); }
  static M gt32(V a, V b) { return _mm256_cmpgt_epi32(a, b); }
  static M mand(M a, M b) { return _mm256_and_si256(a, b); }
  static M mandnot(M a, M b) { return _mm256_andnot_si256(a, b); }
  static M first_lanes(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static bool none(M m) { return _mm256_testz_si256(m, m); }
  static bool none16(V v) { return _mm256_testz_si256(v, v); }  // all bits clear
  static int count(M m) {
    return std::popcount(static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(m))));
  }
  static V masked32(M m, V v) { return _mm256_and_si256(m, v); }
  static V mask_add32(V acc, M m, V v) { return _mm256_add_epi32(acc, _mm256_and_si256(m, v)); }

  template <int H>
  static Vh half(V v) { return H ? _mm256_extracti128_si256(v, 1) : _mm256_castsi256_si128(v); }
  static Vh zero_h() { return _mm_setzero_si128(); }
  static Vh set32h(std::int32_t x) { return _mm_set1_epi32(x); }
  static Vh add32h(Vh a, Vh b) { return _mm_add_epi32(a, b); }
  static Vh max32h(Vh a, Vh b) { return _mm_max_epi32(a, b); }
  static Vd cvt_pd(Vh a) { return _mm256_cvtepi32_pd(a); }
  static Vh cvtt_i32(Vd a) { return _mm256_cvttpd_epi32(a); }
  static V combine(Vh lo, Vh hi) { return _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1); }
  // Low halves of the 64-bit lanes.
  static Vh narrow64(V a) {
    return _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(a, _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6)));
  }
  static Vd set_pd(double x) { return _mm256_set1_pd(x); }
  static Vd add_pd(Vd a, Vd b) { return _mm256_add_pd(a, b); }
  static Vd sub_pd(Vd a, Vd b) { return _mm256_sub_pd(a, b); }
  static Vd mul_pd(Vd a, Vd b) { return _mm256_mul_pd(a, b); }
  static Vd div_pd(Vd a, Vd b) { return _mm256_div_pd(a, b); }
  static Vd min_pd(Vd a, Vd b) { return _mm256_min_pd(a, b); }
  static Vd trunc_pd(Vd a) { return _mm256_round_pd(a, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); }
  static V bits(Vd a) { return _mm256_castpd_si256(a); }

  // table[idx] for idx < 65536 (a 32-bit load at table + 2 * idx: the table is padded).
  static V lookup(const std::uint16_t* table, V idx) {
    const V x = _mm256_i32gather_epi32(reinterpret_cast<const int*>(table), idx, 2);
    return _mm256_and_si256(x, _mm256_set1_epi32(0xffff));
  }

  static std::int64_t sum64(V v) {
    const __m128i s = _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    return _mm_cvtsi128_si64(s) + _mm_extract_epi64(s, 1);
  }
  static std::int64_t sum32(V v) {
    return sum64(_mm256_add_epi64(_mm256_cvtepi32_epi64(half<0>(v)), _mm256_cvtepi32_epi64(half<1>(v))));
  }
  // 32-bit lanes (values below 2^16) to 16-bit, in order.
  static Vh narrow16(V v) {
    return _mm256_castsi256_si128(_mm256_permute4x64_epi64(_mm256_packus_epi32(v, v), 0x08));
  }
  static void store_words(std::uint16_t* p, Vh v, int n) {
    if (n >= 8) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
    } else {
      alignas(16) std::uint16_t tmp[8];
      _mm_store_si128(reinterpret_cast<__m128i*>(tmp), v);
      std::memcpy(p, tmp, static_cast<std::size_t>(n) * sizeof(std::uint16_t));
    }
  }
};

}  // namespace
}  // namespace pvt::feature::kernels
