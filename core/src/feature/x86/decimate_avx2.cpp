// AVX2 2x decimation: 16 output samples a step for 8-bit input (pairwise sums
// by maddubs against ones), 8 for deeper input (32-bit lanes); the rest of
// each row, and the odd last column, by the scalar tail.
#include <immintrin.h>

#include <algorithm>

#include "decimate_x86.hpp"

namespace pvt::feature::kernels {

void decimate_avx2(const Plane& src, void* dst, int w, int h) {
  const int pairs = src.width / 2;  // outputs made of two full columns
  for (int y = 0; y < h; ++y) {
    int x = 0;
    if (src.bpc == 8) {
      const auto* r0 = src.row<std::uint8_t>(2 * y);
      const auto* r1 = src.row<std::uint8_t>(std::min(2 * y + 1, src.height - 1));
      auto* out = static_cast<std::uint8_t*>(dst) + static_cast<std::size_t>(y) * static_cast<std::size_t>(w);
      const __m256i ones = _mm256_set1_epi8(1), two = _mm256_set1_epi16(2);
      for (; x + 16 <= pairs; x += 16) {
        const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r0 + 2 * x));
        const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r1 + 2 * x));
        __m256i s = _mm256_add_epi16(_mm256_maddubs_epi16(a, ones), _mm256_maddubs_epi16(b, ones));
        s = _mm256_srli_epi16(_mm256_add_epi16(s, two), 2);
        const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi16(s, s), 0x08);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + x), _mm256_castsi256_si128(packed));
      }
    } else {
      const auto* r0 = src.row<std::uint16_t>(2 * y);
      const auto* r1 = src.row<std::uint16_t>(std::min(2 * y + 1, src.height - 1));
      auto* out = static_cast<std::uint16_t*>(dst) + static_cast<std::size_t>(y) * static_cast<std::size_t>(w);
      const __m256i low = _mm256_set1_epi32(0xFFFF), two = _mm256_set1_epi32(2);
      for (; x + 8 <= pairs; x += 8) {
        const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r0 + 2 * x));
        const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r1 + 2 * x));
        __m256i s = _mm256_add_epi32(_mm256_and_si256(a, low), _mm256_srli_epi32(a, 16));
        s = _mm256_add_epi32(s, _mm256_add_epi32(_mm256_and_si256(b, low), _mm256_srli_epi32(b, 16)));
        s = _mm256_srli_epi32(_mm256_add_epi32(s, two), 2);
        const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(s, s), 0x08);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + x), _mm256_castsi256_si128(packed));
      }
    }
    decimate_row_tail(src, dst, w, y, x);
  }
}

namespace {

std::uint64_t hsum32(__m256i v) {  // lanes are non-negative int32
  alignas(32) std::uint32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), v);
  std::uint64_t s = 0;
  for (const std::uint32_t l : lanes) s += l;
  return s;
}

}  // namespace

FineSums decimate_pair_avx2(const Plane& ref, const Plane& dist, void* ref_out, void* dist_out, int w, int h) {
  FineSums total;
  const int pairs = ref.width / 2;
  const __m256i low = _mm256_set1_epi16(0x00FF), ones = _mm256_set1_epi16(1);
  for (int y = 0; y < h; ++y) {
    const auto* a0 = ref.row<std::uint8_t>(2 * y);
    const auto* a1 = ref.row<std::uint8_t>(std::min(2 * y + 1, ref.height - 1));
    const auto* b0 = dist.row<std::uint8_t>(2 * y);
    const auto* b1 = dist.row<std::uint8_t>(std::min(2 * y + 1, dist.height - 1));
    // Per row, |coefficient| <= 510: 16-bit lanes, pairs summed into 32-bit lanes by madd (at most
    // 3 * 510 * 2 per lane a step, 2^16 / 16 steps a row at most: no overflow).
    __m256i kept = _mm256_setzero_si256(), refsum = _mm256_setzero_si256(), distsum = _mm256_setzero_si256();
    int x = 0;
    for (; x + 16 <= pairs; x += 16) {
      const __m256i r0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a0 + 2 * x));
      const __m256i r1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a1 + 2 * x));
      const __m256i t0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + 2 * x));
      const __m256i t1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b1 + 2 * x));
      // a b / c d of 16 blocks, as 16-bit lanes
      const __m256i ra = _mm256_and_si256(r0, low), rb = _mm256_srli_epi16(r0, 8);
      const __m256i rc = _mm256_and_si256(r1, low), rd = _mm256_srli_epi16(r1, 8);
      const __m256i ta = _mm256_and_si256(t0, low), tb = _mm256_srli_epi16(t0, 8);
      const __m256i tc = _mm256_and_si256(t1, low), td = _mm256_srli_epi16(t1, 8);
      const __m256i rs = _mm256_add_epi16(ra, rb), rt = _mm256_add_epi16(rc, rd);
      const __m256i rp = _mm256_sub_epi16(ra, rb), rq = _mm256_sub_epi16(rc, rd);
      const __m256i ts = _mm256_add_epi16(ta, tb), tt = _mm256_add_epi16(tc, td);
      const __m256i tp = _mm256_sub_epi16(ta, tb), tq = _mm256_sub_epi16(tc, td);
      const __m256i rk[3] = {_mm256_sub_epi16(rs, rt), _mm256_add_epi16(rp, rq), _mm256_sub_epi16(rp, rq)};
      const __m256i tk[3] = {_mm256_sub_epi16(ts, tt), _mm256_add_epi16(tp, tq), _mm256_sub_epi16(tp, tq)};
      for (int k = 0; k < 3; ++k) {
        const __m256i ar = _mm256_abs_epi16(rk[k]), at = _mm256_abs_epi16(tk[k]);
        const __m256i opposite = _mm256_srai_epi16(_mm256_xor_si256(rk[k], tk[k]), 15);
        const __m256i keep = _mm256_andnot_si256(opposite, _mm256_min_epi16(ar, at));
        kept = _mm256_add_epi32(kept, _mm256_madd_epi16(keep, ones));
        refsum = _mm256_add_epi32(refsum, _mm256_madd_epi16(ar, ones));
        distsum = _mm256_add_epi32(distsum, _mm256_madd_epi16(at, ones));
      }
      // the decimated samples, as decimate_avx2 makes them
      const __m256i two = _mm256_set1_epi16(2);
      const __m256i dr = _mm256_srli_epi16(_mm256_add_epi16(_mm256_add_epi16(rs, rt), two), 2);
      const __m256i dt = _mm256_srli_epi16(_mm256_add_epi16(_mm256_add_epi16(ts, tt), two), 2);
      const std::size_t at_out = static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + x;
      _mm_storeu_si128(reinterpret_cast<__m128i*>(static_cast<std::uint8_t*>(ref_out) + at_out),
                       _mm256_castsi256_si128(_mm256_permute4x64_epi64(_mm256_packus_epi16(dr, dr), 0x08)));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(static_cast<std::uint8_t*>(dist_out) + at_out),
                       _mm256_castsi256_si128(_mm256_permute4x64_epi64(_mm256_packus_epi16(dt, dt), 0x08)));
    }
    const std::uint64_t k = hsum32(kept), r = hsum32(refsum), d = hsum32(distsum);
    total.restored += k;
    total.reference += r;
    total.added += d - k;
    decimate_row_tail(ref, ref_out, w, y, x);
    decimate_row_tail(dist, dist_out, w, y, x);
    const FineSums tail = fine_row_tail(ref, dist, y, w, x);
    total.restored += tail.restored;
    total.reference += tail.reference;
    total.added += tail.added;
  }
  return total;
}

}  // namespace pvt::feature::kernels
