// AVX-512 motion SAD: 16 int32 lanes (32 int16 lanes for 8-bit input).
#include <immintrin.h>

#include "motion_simd.hpp"
#include "motion_x86.hpp"

namespace pvt::feature::kernels {
namespace {

struct Ops512 {
  using V = __m512i;
  static constexpr int N = 16;
  static V widen(const std::uint8_t* p) { return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  static V widen(const std::uint16_t* p) { return _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
  static V load(const std::int32_t* p) { return _mm512_loadu_si512(p); }
  static void store(std::int32_t* p, V v) { _mm512_storeu_si512(p, v); }
  static V zero() { return _mm512_setzero_si512(); }
  static V set1(std::int32_t x) { return _mm512_set1_epi32(x); }
  static V add(V a, V b) { return _mm512_add_epi32(a, b); }
  static V sub(V a, V b) { return _mm512_sub_epi32(a, b); }
  static V mullo(V a, V b) { return _mm512_mullo_epi32(a, b); }
  static V and_(V a, V b) { return _mm512_and_si512(a, b); }
  static V or_(V a, V b) { return _mm512_or_si512(a, b); }
  static V abs(V a) { return _mm512_abs_epi32(a); }
  static V srai(V a, int s) { return _mm512_sra_epi32(a, _mm_cvtsi32_si128(s)); }
  // int16 lanes, for 8-bit input
  static V widen16(const std::uint8_t* p) { return _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
  static V load16(const std::int16_t* p) { return _mm512_loadu_si512(p); }
  static void store16(std::int16_t* p, V v) { _mm512_storeu_si512(p, v); }
  static V add16(V a, V b) { return _mm512_add_epi16(a, b); }
  static V sub16(V a, V b) { return _mm512_sub_epi16(a, b); }
  static V unpacklo16(V a, V b) { return _mm512_unpacklo_epi16(a, b); }
  static V unpackhi16(V a, V b) { return _mm512_unpackhi_epi16(a, b); }
  static V madd(V a, V b) { return _mm512_madd_epi16(a, b); }
  static V packs32(V a, V b) { return _mm512_packs_epi32(a, b); }
  static bool any_set(V a) { return _mm512_test_epi32_mask(a, a) != 0; }
  static std::uint32_t sum_u32(V a) { return static_cast<std::uint32_t>(_mm512_reduce_add_epi32(a)); }
};

}  // namespace

std::uint64_t motion_sad_avx512(const Plane& prev, const Plane& cur, std::int32_t* row, int row_begin, int row_end) {
  return motion_simd::motion_sad<Ops512>(prev, cur, row, row_begin, row_end, motion_sad_scalar);
}

}  // namespace pvt::feature::kernels
