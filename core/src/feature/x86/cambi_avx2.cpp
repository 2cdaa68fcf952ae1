// AVX2 CAMBI kernels: 16 words, 32 bytes or 8 dwords per step.
#include <immintrin.h>

#include <bit>

#include "cambi_simd.hpp"
#include "cambi_x86.hpp"

namespace pvt::feature::kernels {
namespace {

struct Ops256 {
  static constexpr int kWords = 16, kBytes = 32, kLanes = 8;
  using W = __m256i;
  using I = __m256i;
  using F = __m256;
  using K = __m256i;  // all-ones 32-bit lanes

  // 16-bit words
  static W load16(const std::uint16_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static void store16(std::uint16_t* p, W v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
  static W set16(std::uint16_t x) { return _mm256_set1_epi16(static_cast<short>(x)); }
  static W zero16() { return _mm256_setzero_si256(); }
  static W add16(W a, W b) { return _mm256_add_epi16(a, b); }
  static W sub16(W a, W b) { return _mm256_sub_epi16(a, b); }
  static W min16(W a, W b) { return _mm256_min_epi16(a, b); }
  static W max16(W a, W b) { return _mm256_max_epi16(a, b); }
  static W iota16() { return _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }
  static W and16(W a, W b) { return _mm256_and_si256(a, b); }
  static W lt16(W a, W b) { return _mm256_cmpgt_epi16(b, a); }
  static W avg16(W a, W b) { return _mm256_avg_epu16(a, b); }
  static W srli16(W a, int n) { return _mm256_srl_epi16(a, _mm_cvtsi32_si128(n)); }
  template <int N>
  static W slli16(W a) { return _mm256_slli_epi16(a, N); }
  static W load8to16(const std::uint8_t* p) { return _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  static void add16_n(std::uint16_t* p, W d, int n) {
    alignas(32) std::uint16_t add[16];
    _mm256_store_si256(reinterpret_cast<__m256i*>(add), d);
    for (int k = 0; k < n; ++k) p[k] = static_cast<std::uint16_t>(p[k] + add[k]);
  }
  static W mode3(W a, W b, W c) {
    const W a_pair = _mm256_or_si256(_mm256_cmpeq_epi16(a, b), _mm256_cmpeq_epi16(a, c));
    const W bc = _mm256_cmpeq_epi16(b, c);
    const W smallest = _mm256_min_epu16(_mm256_min_epu16(a, b), c);
    return _mm256_blendv_epi8(_mm256_blendv_epi8(smallest, b, bc), a, a_pair);
  }
  // src[0], src[2], ..., src[30]
  static void store_even(std::uint16_t* dst, const std::uint16_t* src) { store16(dst, even16(src)); }
  static W even16(const std::uint16_t* src) {
    const W low = _mm256_set1_epi32(0xFFFF);
    const W packed = _mm256_packus_epi32(_mm256_and_si256(load16(src), low), _mm256_and_si256(load16(src + 16), low));
    return _mm256_permute4x64_epi64(packed, 0xD8);
  }

  // bytes
  static W load8(const std::uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static void store8(std::uint8_t* p, W v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
  static void store8_n(std::uint8_t* p, W v, int n) {
    alignas(32) std::uint8_t tmp[32];
    _mm256_store_si256(reinterpret_cast<__m256i*>(tmp), v);
    std::memcpy(p, tmp, static_cast<std::size_t>(n));
  }
  static W set8(std::uint8_t x) { return _mm256_set1_epi8(static_cast<char>(x)); }
  static W add8(W a, W b) { return _mm256_add_epi8(a, b); }
  static W sub8(W a, W b) { return _mm256_sub_epi8(a, b); }
  // counts stay below 128: a signed compare will do
  static W gt8(W a, W b) { return _mm256_and_si256(_mm256_cmpgt_epi8(a, b), _mm256_set1_epi8(1)); }
  static std::uint64_t nonzero_bits8(const std::uint8_t* p) {
    const unsigned zero = static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(load8(p), _mm256_setzero_si256())));
    return ~zero;
  }
  // kWords mask bytes: which are non-zero
  static std::uint32_t nonzero_bits8_w(const std::uint8_t* p) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return ~static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128()))) & 0xFFFF;
  }
  // v - base where the mask is set and v - base < size, else 0xFFFF
  static W band_rows(const std::uint16_t* v, const std::uint8_t* m, W base, W size) {
    const W mw = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(m)));
    const W rows = _mm256_sub_epi16(load16(v), base);
    // rows < size (unsigned) <=> min(rows, size - 1) == rows
    const W in_band = _mm256_cmpeq_epi16(_mm256_min_epu16(rows, _mm256_sub_epi16(size, _mm256_set1_epi16(1))), rows);
    const W masked = _mm256_xor_si256(_mm256_cmpeq_epi16(mw, _mm256_setzero_si256()), _mm256_set1_epi16(-1));
    const W in = _mm256_and_si256(in_band, masked);
    return _mm256_or_si256(_mm256_and_si256(in, rows), _mm256_andnot_si256(in, _mm256_set1_epi16(-1)));
  }
  static std::uint32_t neq_bits16(W a, W b) {
    const unsigned eq = static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi16(a, b)));
    return _pext_u32(~eq, 0x55555555u);
  }
  // bit k (k >= 1): a[k] == a[k - 1]
  static std::uint32_t same_as_previous16(W a) {
    const W shifted = _mm256_alignr_epi8(a, _mm256_permute2x128_si256(a, a, 0x08), 14);
    const unsigned eq = static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi16(a, shifted)));
    return _pext_u32(eq, 0x55555555u) & ~1u;
  }
  static W flat_bytes(const std::uint16_t* row, const std::uint16_t* below) {
    const auto flat = [&](int o) {
      const W x = load16(row + o);
      return _mm256_and_si256(_mm256_cmpeq_epi16(x, load16(row + o + 1)), _mm256_cmpeq_epi16(x, load16(below + o)));
    };
    const W packed = _mm256_permute4x64_epi64(_mm256_packs_epi16(flat(0), flat(16)), 0xD8);
    return _mm256_and_si256(packed, _mm256_set1_epi8(1));
  }
  static void store_even(std::uint8_t* dst, const std::uint8_t* src) { store8(dst, even8(src)); }
  static W even8(const std::uint8_t* src) {
    const W low = _mm256_set1_epi16(0xFF);
    const W packed = _mm256_packus_epi16(_mm256_and_si256(load8(src), low), _mm256_and_si256(load8(src + 32), low));
    return _mm256_permute4x64_epi64(packed, 0xD8);
  }

  // 32-bit lanes
  static I set32(int x) { return _mm256_set1_epi32(x); }
  static I zero32() { return _mm256_setzero_si256(); }
  static I iota32() { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }
  static I add32(I a, I b) { return _mm256_add_epi32(a, b); }
  static I sub32(I a, I b) { return _mm256_sub_epi32(a, b); }
  static I slli32_5(I a) { return _mm256_slli_epi32(a, 5); }
  static I mullo32(I a, I b) { return _mm256_mullo_epi32(a, b); }
  static I max32(I a, I b) { return _mm256_max_epi32(a, b); }
  static I blend32(I f, I t, K k) { return _mm256_blendv_epi8(f, t, k); }
  static I load16to32(const std::uint16_t* p) { return _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  static I load8to32(const std::uint8_t* p) { return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))); }
  static K nonzero32(I a) { return _mm256_xor_si256(_mm256_cmpeq_epi32(a, zero32()), _mm256_set1_epi32(-1)); }
  static K first_lanes(int n) { return _mm256_cmpgt_epi32(set32(n), iota32()); }
  static K and_k(K a, K b) { return _mm256_and_si256(a, b); }
  static bool none(K k) { return _mm256_testz_si256(k, k); }
  static int first_set(K k) { return std::countr_zero(static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(k)))); }
  static K lt_u32(I a, I b) {
    return _mm256_xor_si256(_mm256_cmpeq_epi32(_mm256_max_epu32(a, b), a), _mm256_set1_epi32(-1));
  }
  static K le32(I a, I b) { return _mm256_xor_si256(_mm256_cmpgt_epi32(a, b), _mm256_set1_epi32(-1)); }
  static K gt32(I a, I b) { return _mm256_cmpgt_epi32(a, b); }
  static bool all_equal(I v, int x, K active) {
    return _mm256_testz_si256(_mm256_andnot_si256(_mm256_cmpeq_epi32(v, set32(x)), active), active);
  }
  static I gather16(const std::uint16_t* base, I idx, K k) {
    const I g = _mm256_mask_i32gather_epi32(zero32(), reinterpret_cast<const int*>(base), idx, k, 2);
    return _mm256_and_si256(g, set32(0xFFFF));
  }
  static F gather_f(const float* table, I idx, K k) {
    return _mm256_mask_i32gather_ps(_mm256_setzero_ps(), table, idx, _mm256_castsi256_ps(k), 4);
  }
  static F zero_f() { return _mm256_setzero_ps(); }
  static F cvt_f(I a) { return _mm256_cvtepi32_ps(a); }
  static F mul_f(F a, F b) { return _mm256_mul_ps(a, b); }
  static F max_f(F a, F b) { return _mm256_max_ps(a, b); }
  static F maskz_f(F a, K k) { return _mm256_and_ps(a, _mm256_castsi256_ps(k)); }
  static int compress_store_nonzero(float* out, F v) {
    alignas(32) float tmp[8];
    _mm256_store_ps(tmp, v);
    int n = 0;
    for (float x : tmp)
      if (x != 0.0f) out[n++] = x;
    return n;
  }
};

}  // namespace

CambiKernels cambi_kernels_avx2() { return cambi_simd::kernels<Ops256>(); }

}  // namespace pvt::feature::kernels
