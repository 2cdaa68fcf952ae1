// AVX-512 CAMBI kernels: 32 words, 64 bytes or 16 dwords per step.
#include <immintrin.h>

#include <bit>

#include "cambi_simd.hpp"
#include "cambi_x86.hpp"

namespace pvt::feature::kernels {
namespace {

struct Ops512 {
  static constexpr int kWords = 32, kBytes = 64, kLanes = 16;
  using W = __m512i;
  using I = __m512i;
  using F = __m512;
  using K = __mmask16;

  // 16-bit words
  static W load16(const std::uint16_t* p) { return _mm512_loadu_si512(p); }
  static void store16(std::uint16_t* p, W v) { _mm512_storeu_si512(p, v); }
  static W set16(std::uint16_t x) { return _mm512_set1_epi16(static_cast<short>(x)); }
  static W zero16() { return _mm512_setzero_si512(); }
  static W add16(W a, W b) { return _mm512_add_epi16(a, b); }
  static W sub16(W a, W b) { return _mm512_sub_epi16(a, b); }
  static W min16(W a, W b) { return _mm512_min_epi16(a, b); }
  static W max16(W a, W b) { return _mm512_max_epi16(a, b); }
  static W iota16() {
    return _mm512_set_epi16(31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16,
                            15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  }
  static W and16(W a, W b) { return _mm512_and_si512(a, b); }
  static W lt16(W a, W b) { return _mm512_movm_epi16(_mm512_cmplt_epi16_mask(a, b)); }
  static W avg16(W a, W b) { return _mm512_avg_epu16(a, b); }
  static W srli16(W a, int n) { return _mm512_srl_epi16(a, _mm_cvtsi32_si128(n)); }
  template <int N>
  static W slli16(W a) { return _mm512_slli_epi16(a, N); }
  static W load8to16(const std::uint8_t* p) { return _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
  static void add16_n(std::uint16_t* p, W d, int n) {
    const __mmask32 m = _bzhi_u32(~0u, static_cast<unsigned>(n));
    _mm512_mask_storeu_epi16(p, m, _mm512_add_epi16(_mm512_maskz_loadu_epi16(m, p), d));
  }
  static W mode3(W a, W b, W c) {
    const __mmask32 a_pair = _mm512_cmpeq_epi16_mask(a, b) | _mm512_cmpeq_epi16_mask(a, c);
    const __mmask32 bc = _mm512_cmpeq_epi16_mask(b, c);
    const W smallest = _mm512_min_epu16(_mm512_min_epu16(a, b), c);
    return _mm512_mask_blend_epi16(a_pair, _mm512_mask_blend_epi16(bc, smallest, b), a);
  }
  static void store_even(std::uint16_t* dst, const std::uint16_t* src) { store16(dst, even16(src)); }
  static W even16(const std::uint16_t* src) {
    const W idx = _mm512_set_epi16(62, 60, 58, 56, 54, 52, 50, 48, 46, 44, 42, 40, 38, 36, 34, 32,
                                   30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    return _mm512_permutex2var_epi16(load16(src), idx, load16(src + 32));
  }

  // bytes
  static W load8(const std::uint8_t* p) { return _mm512_loadu_si512(p); }
  static void store8(std::uint8_t* p, W v) { _mm512_storeu_si512(p, v); }
  static void store8_n(std::uint8_t* p, W v, int n) { _mm512_mask_storeu_epi8(p, _bzhi_u64(~0ull, static_cast<unsigned>(n)), v); }
  static W set8(std::uint8_t x) { return _mm512_set1_epi8(static_cast<char>(x)); }
  static W add8(W a, W b) { return _mm512_add_epi8(a, b); }
  static W sub8(W a, W b) { return _mm512_sub_epi8(a, b); }
  static W gt8(W a, W b) { return _mm512_maskz_set1_epi8(_mm512_cmpgt_epu8_mask(a, b), 1); }
  static std::uint64_t nonzero_bits8(const std::uint8_t* p) {
    const W v = load8(p);
    return _mm512_test_epi8_mask(v, v);
  }
  // kWords mask bytes: which are non-zero
  static std::uint32_t nonzero_bits8_w(const std::uint8_t* p) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return _mm256_test_epi8_mask(v, v);
  }
  // v - base where the mask is set and v - base < size, else 0xFFFF
  static W band_rows(const std::uint16_t* v, const std::uint8_t* m, W base, W size) {
    const __m256i mb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m));
    const W rows = _mm512_sub_epi16(load16(v), base);
    const __mmask32 in = _mm256_test_epi8_mask(mb, mb) & _mm512_cmplt_epu16_mask(rows, size);
    return _mm512_mask_blend_epi16(in, _mm512_set1_epi16(-1), rows);
  }
  static std::uint32_t neq_bits16(W a, W b) { return _mm512_cmpneq_epi16_mask(a, b); }
  // bit k (k >= 1): a[k] == a[k - 1]
  static std::uint32_t same_as_previous16(W a) {
    const W idx = _mm512_set_epi16(30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15,
                                   14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0);
    return _mm512_cmpeq_epi16_mask(a, _mm512_permutexvar_epi16(idx, a)) & ~1u;
  }
  static W flat_bytes(const std::uint16_t* row, const std::uint16_t* below) {
    const auto flat = [&](int o) {
      const W x = load16(row + o);
      return _mm512_cmpeq_epi16_mask(x, load16(row + o + 1)) & _mm512_cmpeq_epi16_mask(x, load16(below + o));
    };
    const std::uint64_t bits = static_cast<std::uint64_t>(flat(0)) | static_cast<std::uint64_t>(flat(32)) << 32;
    return _mm512_maskz_set1_epi8(bits, 1);
  }
  static void store_even(std::uint8_t* dst, const std::uint8_t* src) { store8(dst, even8(src)); }
  static W even8(const std::uint8_t* src) {
    const W low = _mm512_set1_epi16(0xFF);
    const __m256i a = _mm512_cvtepi16_epi8(_mm512_and_si512(load8(src), low));
    const __m256i b = _mm512_cvtepi16_epi8(_mm512_and_si512(load8(src + 64), low));
    return _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1);
  }

  // 32-bit lanes
  static I set32(int x) { return _mm512_set1_epi32(x); }
  static I zero32() { return _mm512_setzero_si512(); }
  static I iota32() { return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }
  static I add32(I a, I b) { return _mm512_add_epi32(a, b); }
  static I sub32(I a, I b) { return _mm512_sub_epi32(a, b); }
  static I slli32_5(I a) { return _mm512_slli_epi32(a, 5); }
  static I mullo32(I a, I b) { return _mm512_mullo_epi32(a, b); }
  static I max32(I a, I b) { return _mm512_max_epi32(a, b); }
  static I blend32(I f, I t, K k) { return _mm512_mask_blend_epi32(k, f, t); }
  static I load16to32(const std::uint16_t* p) { return _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
  static I load8to32(const std::uint8_t* p) { return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  static K nonzero32(I a) { return _mm512_test_epi32_mask(a, a); }
  static K first_lanes(int n) { return static_cast<K>((1u << n) - 1); }
  static K and_k(K a, K b) { return static_cast<K>(a & b); }
  static bool none(K k) { return k == 0; }
  static int first_set(K k) { return std::countr_zero(static_cast<unsigned>(k)); }
  static K lt_u32(I a, I b) { return _mm512_cmplt_epu32_mask(a, b); }
  static K le32(I a, I b) { return _mm512_cmple_epi32_mask(a, b); }
  static K gt32(I a, I b) { return _mm512_cmpgt_epi32_mask(a, b); }
  static bool all_equal(I v, int x, K active) { return _mm512_mask_cmpneq_epi32_mask(active, v, set32(x)) == 0; }
  static I gather16(const std::uint16_t* base, I idx, K k) {
    return _mm512_and_si512(_mm512_mask_i32gather_epi32(zero32(), k, idx, base, 2), set32(0xFFFF));
  }
  static F gather_f(const float* table, I idx, K k) { return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), k, idx, table, 4); }
  static F zero_f() { return _mm512_setzero_ps(); }
  static F cvt_f(I a) { return _mm512_cvtepi32_ps(a); }
  static F mul_f(F a, F b) { return _mm512_mul_ps(a, b); }
  static F max_f(F a, F b) { return _mm512_max_ps(a, b); }
  static F maskz_f(F a, K k) { return _mm512_maskz_mov_ps(k, a); }
  static int compress_store_nonzero(float* out, F v) {
    const K k = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NEQ_OQ);
    _mm512_mask_compressstoreu_ps(out, k, v);
    return std::popcount(static_cast<unsigned>(k));
  }
};

}  // namespace

CambiKernels cambi_kernels_avx512() { return cambi_simd::kernels<Ops512>(); }

}  // namespace pvt::feature::kernels
