// AVX2 motion SAD: 8 int32 lanes (16 int16 lanes for 8-bit input).
#include <immintrin.h>

#include "motion_simd.hpp"
#include "motion_x86.hpp"

namespace pvt::feature::kernels {
namespace {

struct Ops2 {
  using V = __m256i;
  static constexpr int N = 8;
  static V widen(const std::uint8_t* p) { return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))); }
  static V widen(const std::uint16_t* p) { return _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  static V load(const std::int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static void store(std::int32_t* p, V v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
  static V zero() { return _mm256_setzero_si256(); }
  static V set1(std::int32_t x) { return _mm256_set1_epi32(x); }
  static V add(V a, V b) { return _mm256_add_epi32(a, b); }
  static V sub(V a, V b) { return _mm256_sub_epi32(a, b); }
  static V mullo(V a, V b) { return _mm256_mullo_epi32(a, b); }
  static V and_(V a, V b) { return _mm256_and_si256(a, b); }
  static V or_(V a, V b) { return _mm256_or_si256(a, b); }
  static V abs(V a) { return _mm256_abs_epi32(a); }
  static V srai(V a, int s) { return _mm256_sra_epi32(a, _mm_cvtsi32_si128(s)); }
  // int16 lanes, for 8-bit input
  static V widen16(const std::uint8_t* p) { return _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  static V load16(const std::int16_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static void store16(std::int16_t* p, V v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
  static V add16(V a, V b) { return _mm256_add_epi16(a, b); }
  static V sub16(V a, V b) { return _mm256_sub_epi16(a, b); }
  static V unpacklo16(V a, V b) { return _mm256_unpacklo_epi16(a, b); }
  static V unpackhi16(V a, V b) { return _mm256_unpackhi_epi16(a, b); }
  static V madd(V a, V b) { return _mm256_madd_epi16(a, b); }
  static V packs32(V a, V b) { return _mm256_packs_epi32(a, b); }
  static bool any_set(V a) { return !_mm256_testz_si256(a, a); }
  static std::uint32_t sum_u32(V a) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return static_cast<std::uint32_t>(_mm_cvtsi128_si32(s));
  }
};

}  // namespace

std::uint64_t motion_sad_avx2(const Plane& prev, const Plane& cur, std::int32_t* row, int row_begin, int row_end) {
  return motion_simd::motion_sad<Ops2>(prev, cur, row, row_begin, row_end, motion_sad_scalar);
}

}  // namespace pvt::feature::kernels
