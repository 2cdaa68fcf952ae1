#pragma once
// The fused ADM scale passes (AdmFused), written once over a struct `I` of
// vector operations for one x86 ISA (adm_avx2.cpp, adm_avx512.cpp). Include
// only from a file compiled for that ISA; everything here is file-local.
//
// One call runs a scale row by row: the DWT of both pictures for output row
// k (a vertical pass into an extended row, then the horizontal pass), then
// row k of the decoupling, CSF and masking terms, and the contrast masking of
// row k - 1, whose 3x3 window is complete once row k exists. Intermediate
// rows live in a few scratch rows instead of whole bands.
//
// The arithmetic is that of adm_scalar.cpp, lane by lane; where the scalar
// code widens to 64 bits, so does this (even and odd 32-bit lanes multiplied
// separately). Vector loops may run past the end of a row into the slack of
// their scratch rows; those lanes never reach a result.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "../kernels/adm_kernels.hpp"
#include "../kernels/prefetch.hpp"

namespace pvt::feature::kernels {
namespace {

using std::int16_t;
using std::int32_t;
using std::int64_t;
using std::uint16_t;
using std::uint32_t;
using std::uint64_t;

constexpr const int32_t (&kFiltLo)[4] = kAdmFilterLo;
constexpr const int32_t (&kFiltHi)[4] = kAdmFilterHi;

// Two int16 values in one int32 lane (first in the low half), for madd.
constexpr int32_t pair16(int32_t lo, int32_t hi) {
  return static_cast<int32_t>((static_cast<uint32_t>(lo) & 0xFFFFu) | (static_cast<uint32_t>(hi) << 16));
}

inline int64_t half_unit(int shift) { return shift > 0 ? int64_t{1} << (shift - 1) : 0; }

// ---------------------------------------------------------------- scratch

constexpr std::size_t kSlack = 64;  // elements of slack around each scratch row
constexpr int kBandRows = 36;       // ref[3], dis[3], 2 x (m[3], c[2], x[2][3]), v, rest, term[2][3]

inline std::size_t round_up64(std::size_t bytes) { return (bytes + 63) / 64 * 64; }

struct Layout {
  std::size_t e16, e32, row;  // bytes per row (multiples of 64)
  std::size_t total;
};

inline Layout scratch_layout(int width) {
  const std::size_t n = static_cast<std::size_t>(width), w0 = (n + 1) / 2;
  Layout l;
  l.e16 = round_up64((n + 3 + 2 * kSlack) * sizeof(int16_t));
  l.e32 = round_up64((w0 + 3 + 2 * kSlack) * sizeof(int32_t));
  l.row = round_up64((w0 + 3 * kSlack) * sizeof(int32_t));
  l.total = 2 * l.e16 + 4 * l.e32 + kBandRows * l.row;
  return l;
}

inline std::size_t adm_scratch_bytes(int width) { return scratch_layout(width).total; }

struct Rows {
  // Extended DWT rows: element 0 is input index -1, element 1 + i index i.
  int16_t* e16[2];  // scale 0: low, high pass
  int32_t* e32[4];  // scales 1..3: low, high pass of ref, then of dis
  // Band rows, indexed by column (kSlack elements of slack before column 0).
  int32_t* ref[3];  // h, v, d
  int32_t* dis[3];
  // Contrast masking inputs, [0] for the numerator and [1] for AIM (the
  // same with the restored and additive parts swapped):
  int32_t* m[2][3];     // ring by row % 3: sum over orientations of the mask terms
  int32_t* c[2][2];     // ring by row % 2: sum over orientations of the centre terms
  int32_t* x[2][2][3];  // ring by row % 2: masked coefficient times CSF factor
  int32_t* v;           // column sums of m over the 3 window rows
  int32_t* rest;     // restored diagonal band (AdmScale0Job::rest_d_row)
  // Ladder mode: the decoupling terms of the reference's band row, per
  // orientation (scale 0: [0] the reciprocal; scales 1..3: [0] the signed
  // reciprocal, [1] its shift).
  int32_t* term[2][3];
};

inline Rows carve(void* scratch, int width) {
  const Layout l = scratch_layout(width);
  auto* p = static_cast<unsigned char*>(scratch);
  Rows r;
  for (auto& e : r.e16) {
    e = reinterpret_cast<int16_t*>(p);
    p += l.e16;
  }
  for (auto& e : r.e32) {
    e = reinterpret_cast<int32_t*>(p);
    p += l.e32;
  }
  auto row = [&]() {
    int32_t* q = reinterpret_cast<int32_t*>(p) + kSlack;
    p += l.row;
    return q;
  };
  for (auto& b : r.ref) b = row();
  for (auto& b : r.dis) b = row();
  for (int a = 0; a < 2; ++a) {
    for (auto& b : r.m[a]) b = row();
    for (auto& b : r.c[a]) b = row();
    for (auto& xs : r.x[a])
      for (auto& b : xs) b = row();
  }
  r.v = row();
  r.rest = row();
  for (auto& ts : r.term)
    for (auto& b : ts) b = row();
  return r;
}

// ---------------------------------------------------------------- DWT edges

// The DWT reads input index 2j - 1 + t for output j and tap t. Inside the
// row the taps are exactly that; only indices -1, n and n + 1 are mapped
// (mirrored, or read from wherever the reference's scratch layout puts them:
// see AdmDwtTaps). `c[s]` is what the taps read for index -1, n, n + 1.
struct ExtTaps {
  int c[3] = {0, 0, 0};
  bool used[3] = {false, false, false};
};

inline ExtTaps ext_taps(const int* cols, int n, int out_w) {
  ExtTaps e;
  for (int j = 0; j < out_w; ++j)
    for (int t = 0; t < 4; ++t) {
      const int x = 2 * j - 1 + t, c = cols[4 * j + t];
      if (x >= 0 && x < n) {
        if (c != x) throw std::logic_error("adm: unexpected DWT taps");
        continue;
      }
      const int slot = x < 0 ? 0 : x - n + 1;
      if (slot > 2 || (e.used[slot] && e.c[slot] != c)) throw std::logic_error("adm: unexpected DWT taps");
      e.used[slot] = true;
      e.c[slot] = c;
    }
  return e;
}

// Where the extension entries of `nb` extended rows come from, emulating
// the reference's scratch: the rows one after the other, zeros before
// (scales 1..3: its leading 0) and after (scale 0: its two spare values).
// For row b and slot s (index -1, n, n + 1): the source row and element, or
// row -1 for a zero.
struct ExtPlan {
  int nb = 0, n = 0;
  int row[4][3] = {}, at[4][3] = {};
};

inline ExtPlan ext_plan(int nb, int n, const ExtTaps& ext) {
  ExtPlan p;
  p.nb = nb;
  p.n = n;
  for (int b = 0; b < nb; ++b)
    for (int s = 0; s < 3; ++s) {
      const long g = static_cast<long>(b) * n + ext.c[s];
      const bool inside = ext.used[s] && g >= 0 && g < static_cast<long>(nb) * n;
      p.row[b][s] = inside ? static_cast<int>(g / n) : -1;
      p.at[b][s] = inside ? static_cast<int>(1 + g % n) : 0;
    }
  return p;
}

// Fills the extension entries of the extended rows `e` as `p` says (every
// value read before any is written).
template <class T>
void fill_ext(T* const* e, const ExtPlan& p) {
  T vals[4][3];
  for (int b = 0; b < p.nb; ++b)
    for (int s = 0; s < 3; ++s) vals[b][s] = p.row[b][s] < 0 ? T{0} : e[p.row[b][s]][p.at[b][s]];
  for (int b = 0; b < p.nb; ++b) {
    e[b][0] = vals[b][0];
    e[b][p.n + 1] = vals[b][1];
    e[b][p.n + 2] = vals[b][2];
  }
}

// ---------------------------------------------------------------- kernels

template <class I>
struct AdmSimd {
  using V = typename I::V;
  using M = typename I::M;
  using VD = typename I::VD;
  using MD = typename I::MD;
  static constexpr int N = I::N;  // int32 lanes

  static void store_part(int32_t* dst, V v, int count) {
    if (count >= N) {
      I::store(dst, v);
      return;
    }
    alignas(64) int32_t tmp[N];
    I::store(tmp, v);
    std::memcpy(dst, tmp, sizeof(int32_t) * static_cast<std::size_t>(count));
  }

  static void store_part16(int16_t* dst, V v, int count) {
    if (count >= N) {
      I::store_narrow16(dst, v);
      return;
    }
    alignas(64) int16_t tmp[N];
    I::store_narrow16(tmp, v);
    std::memcpy(dst, tmp, sizeof(int16_t) * static_cast<std::size_t>(count));
  }

  static void prefetch(const void* p) { prefetch_read(p); }

  // Lanes j .. j + N - 1 that are below `end`.
  static M below(int j, int end) { return I::cmpgt(I::set1(end - j), I::iota()); }

  // ------------------------------------------------------------ band span

  // The band values a scale's later steps read: in rows that are decoupled
  // or pooled, the columns of their vector blocks (whole blocks of N from
  // the rectangle's left edge). Elsewhere a DWT row only needs its
  // approximation.
  struct BandSpan {
    bool row = false;
    int lo = 0, hi = 0;  // output columns, multiples of N

    BandSpan(const AdmRect& work, const AdmRect& pool, int k) {
      const auto used = [k](const AdmRect& r) { return k >= r.top && k < r.bottom && r.right > r.left; };
      const auto blocks_end = [](const AdmRect& r) { return r.left + (r.right - r.left + N - 1) / N * N; };
      bool any = false;
      for (const AdmRect* r : {&work, &pool}) {
        if (!used(*r)) continue;
        const int l = r->left / N * N, h = (blocks_end(*r) + N - 1) / N * N;
        lo = any ? std::min(lo, l) : l;
        hi = any ? std::max(hi, h) : h;
        any = true;
      }
      row = any;
    }

    // Whether the vertical high pass of input columns [j, j + width) of a
    // row of n is needed: by the bands' horizontal taps (output q reads
    // inputs 2q - 1 .. 2q + 2N), or for the few entries at either end that
    // fill_ext() copies.
    bool high_pass(int j, int width, int n) const {
      if (j < 4 || j + width > n - 4) return true;
      return row && j <= 2 * hi && j + width >= 2 * lo;
    }

    // Calls fn(begin, end, bands) over [0, out_w) in N-aligned pieces, with
    // `bands` (a std::bool_constant) true where the bands are needed.
    template <class F>
    void split(int out_w, F&& fn) const {
      const int a = row ? std::min(lo, out_w) : out_w, b = row ? std::min(hi, out_w) : out_w;
      if (a > 0) fn(0, a, std::false_type{});
      if (b > a) fn(a, b, std::true_type{});
      if (out_w > b) fn(b, out_w, std::false_type{});
    }
  };

  // ------------------------------------------------------------ scale 0 DWT

  // The vertical pass as the scalar code computes it (int64), for 2N
  // columns holding samples above 2^bpc - 1 (possible in 9..15-bit input).
  static void vert0_exact(const uint16_t* s0, const uint16_t* s1, const uint16_t* s2, const uint16_t* s3, int bpc,
                          int16_t* lo, int16_t* hi) {
    const int64_t round = int64_t{1} << (bpc - 1);
    const int64_t centre = int64_t{46342} * round;
    for (int j = 0; j < 2 * N; ++j) {
      const int64_t a = s0[j], b = s1[j], c = s2[j], d = s3[j];
      const int64_t l = kFiltLo[0] * a + kFiltLo[1] * b + kFiltLo[2] * c + kFiltLo[3] * d - centre;
      const int64_t h = kFiltHi[0] * a + kFiltHi[1] * b + kFiltHi[2] * c + kFiltHi[3] * d;
      lo[j] = static_cast<int16_t>((l + round) >> bpc);
      hi[j] = static_cast<int16_t>((h + round) >> bpc);
    }
  }

  // Vertical pass of 2N columns of 8..16-bit samples into int16 low / high.
  // Centring the samples (s - 2^(bpc-1)) removes the reference's centre
  // offset and makes them int16, so pairs of taps are one madd each.
  template <class T, bool kHigh>
  static void vert0(const T* s0, const T* s1, const T* s2, const T* s3, V half, int bpc, V round, int16_t* lo,
                    int16_t* hi) {
    if constexpr (sizeof(T) == 2) {
      if (bpc < 16 && I::any_above16(s0, s1, s2, s3, (1 << bpc) - 1)) {
        vert0_exact(s0, s1, s2, s3, bpc, lo, hi);
        return;
      }
    }
    const V x0 = I::load_centred(s0, half), x1 = I::load_centred(s1, half);
    const V x2 = I::load_centred(s2, half), x3 = I::load_centred(s3, half);
    const V a = I::unpacklo16(x0, x1), b = I::unpackhi16(x0, x1);
    const V c = I::unpacklo16(x2, x3), d = I::unpackhi16(x2, x3);
    auto filter = [&](const int32_t* k) {
      const V k01 = I::set1(pair16(k[0], k[1])), k23 = I::set1(pair16(k[2], k[3]));
      const V p = I::sra(I::dot_add(I::dot_add(round, a, k01), c, k23), bpc);
      const V q = I::sra(I::dot_add(I::dot_add(round, b, k01), d, k23), bpc);
      return I::packs32(p, q);  // the unpacks' lane order, undone
    };
    I::store(lo, filter(kFiltLo));
    if constexpr (kHigh) I::store(hi, filter(kFiltHi));
  }

  // One output row of the scale 0 DWT of `src`: approximation into `approx`
  // (int16: it fits), details into band rows h, v, d. `next` are the rows
  // the next output row reads first (prefetched), or null.
  template <class T>
  static void dwt0_row(const Plane& src, const int* r, const int* next, int n, int out_w, const ExtPlan& ext,
                       const BandSpan& span, Rows& s, int16_t* approx, int32_t* const band[3]) {
    const T* p0 = src.row<T>(r[0]);
    const T* p1 = src.row<T>(r[1]);
    const T* p2 = src.row<T>(r[2]);
    const T* p3 = src.row<T>(r[3]);
    // The next output row reads two new rows (prefetched as we go).
    const T* f0 = next ? src.row<T>(next[2]) : p3;
    const T* f1 = next ? src.row<T>(next[3]) : p3;
    const int bpc = src.bpc;
    const V half = I::set16(1 << (bpc - 1));
    const V round = I::set1(1 << (bpc - 1));
    int16_t* lo = s.e16[0] + 1;
    int16_t* hi = s.e16[1] + 1;
    constexpr int B = 2 * N;
    int j = 0;
    for (; j + B <= n; j += B) {
      prefetch(f0 + j);
      prefetch(f1 + j);
      if (span.high_pass(j, B, n))
        vert0<T, true>(p0 + j, p1 + j, p2 + j, p3 + j, half, bpc, round, lo + j, hi + j);
      else
        vert0<T, false>(p0 + j, p1 + j, p2 + j, p3 + j, half, bpc, round, lo + j, hi + j);
    }
    if (j < n) {
      alignas(64) T tail[4][B] = {};
      const std::size_t bytes = sizeof(T) * static_cast<std::size_t>(n - j);
      std::memcpy(tail[0], p0 + j, bytes);
      std::memcpy(tail[1], p1 + j, bytes);
      std::memcpy(tail[2], p2 + j, bytes);
      std::memcpy(tail[3], p3 + j, bytes);
      vert0<T, true>(tail[0], tail[1], tail[2], tail[3], half, bpc, round, lo + j, hi + j);
    }
    fill_ext(s.e16, ext);

    // Horizontal: output q reads extended entries 2q .. 2q + 3, i.e. the
    // int32 lane q of a load at 2q and of one at 2q + 2.
    const V l01 = I::set1(pair16(kFiltLo[0], kFiltLo[1])), l23 = I::set1(pair16(kFiltLo[2], kFiltLo[3]));
    const V h01 = I::set1(pair16(kFiltHi[0], kFiltHi[1])), h23 = I::set1(pair16(kFiltHi[2], kFiltHi[3]));
    const V r16 = I::set1(32768);
    auto filter = [&](V a, V b, V k01, V k23) {
      return I::template srai<16>(I::dot_add(I::dot_add(r16, a, k01), b, k23));
    };
    // The loads at 2q are aligned; those at 2q + 2 are the same vectors
    // moved on by one int32 lane, with the next block's first lane.
    span.split(out_w, [&](int begin, int end, auto bands) {
      V la = I::load(s.e16[0] + 2 * begin), ha = I::load(s.e16[1] + 2 * begin);
      for (int q = begin; q < end; q += N) {
        const V ln = I::load(s.e16[0] + 2 * (q + N));
        const V lb = I::next_lane(la, ln);
        store_part16(approx + q, filter(la, lb, l01, l23), out_w - q);
        if constexpr (decltype(bands)::value) {
          const V hn = I::load(s.e16[1] + 2 * (q + N));
          const V hb = I::next_lane(ha, hn);
          I::store(band[1] + q, filter(la, lb, h01, h23));
          I::store(band[0] + q, filter(ha, hb, l01, l23));
          I::store(band[2] + q, filter(ha, hb, h01, h23));
          ha = hn;
        }
        la = ln;
      }
    });
  }

  // ------------------------------------------------------------ scales 1..3 DWT

  // (sum of k[t] * x[t] + round) >> shift, low 32 bits, for int32 x, the
  // 4 taps of a db2 filter (|k| < 2^15, sum |k| < 2^16) and shift 15 or 16,
  // without 64-bit products: x = 2^16 xh + xl splits into int16 xh = x >> 16
  // and xl - 2^15, so the sum is 2^16 A + B + 2^15 sum(k), with A and B
  // madd pair sums that fit int32 (|A|, |B| <= 2^15 * sum |k|), and
  // 2^15 sum(k) a multiple of 2^16. `h01` holds the xh of taps 0 and 1 as
  // a madd pair, `h23` those of taps 2 and 3, `l01` and `l23` the xl - 2^15.
  static V split_filter(V h01, V h23, V l01, V l23, const int32_t* k, V round, int shift) {
    const V k01 = I::set1(pair16(k[0], k[1])), k23 = I::set1(pair16(k[2], k[3]));
    const V a = I::dot_add(I::madd(h01, k01), h23, k23);
    const V b = I::dot_add(I::dot_add(round, l01, k01), l23, k23);
    const int32_t c = ((k[0] + k[1] + k[2] + k[3]) * 32768) >> shift;
    return I::add(I::add(I::sll(a, 16 - shift), I::sra(b, shift)), I::set1(c));
  }

  // Flips bit 15 of each 16-bit word: xl to xl - 2^15 as int16.
  static V centre16(V x) { return I::xor_(x, I::set1(static_cast<int32_t>(0x80008000u))); }

  // Scales 2, 3 vertical pass of N columns (shift 16).
  template <bool kHigh>
  static void vertn(const int32_t* s0, const int32_t* s1, const int32_t* s2, const int32_t* s3, int shift, V round,
                    int32_t* lo, int32_t* hi) {
    const V x0 = I::load(s0), x1 = I::load(s1), x2 = I::load(s2), x3 = I::load(s3);
    const V h01 = I::pair_hi16(x0, x1), h23 = I::pair_hi16(x2, x3);
    const V l01 = centre16(I::pair16(x0, x1)), l23 = centre16(I::pair16(x2, x3));
    I::store(lo, split_filter(h01, h23, l01, l23, kFiltLo, round, shift));
    if constexpr (kHigh) I::store(hi, split_filter(h01, h23, l01, l23, kFiltHi, round, shift));
  }

  // Scale 1 vertical pass (no shift) of 2N columns of int16 input: pairs of
  // rows are one madd each; the sum fits int32.
  template <bool kHigh>
  static void vertn16(const int16_t* s0, const int16_t* s1, const int16_t* s2, const int16_t* s3, int32_t* lo,
                      int32_t* hi) {
    const V x0 = I::load(s0), x1 = I::load(s1), x2 = I::load(s2), x3 = I::load(s3);
    const V a = I::unpacklo16(x0, x1), b = I::unpackhi16(x0, x1);
    const V c = I::unpacklo16(x2, x3), d = I::unpackhi16(x2, x3);
    auto filter = [&](const int32_t* k, int32_t* out) {
      const V k01 = I::set1(pair16(k[0], k[1])), k23 = I::set1(pair16(k[2], k[3]));
      V first, second;
      I::interleave128(I::dot_add(I::madd(a, k01), c, k23), I::dot_add(I::madd(b, k01), d, k23), first, second);
      I::store(out, first);
      I::store(out + N, second);
    };
    filter(kFiltLo, lo);
    if constexpr (kHigh) filter(kFiltHi, hi);
  }

  // Horizontal pass: output q reads extended entries 2q .. 2q + 3. For a
  // block of outputs q .. q + N - 1 the madd pairs of taps 0, 1 are the
  // high / low words of entries 2q .. 2q + 2N - 1 (split at 2q); those of
  // taps 2, 3 the same moved on by one lane.
  struct HSplit {
    V h, l;
  };
  static HSplit hsplit(const int32_t* e) {
    HSplit r;
    I::deint16(I::load(e), I::load(e + N), r.h, r.l);
    r.l = centre16(r.l);
    return r;
  }

  // Pictures first_pic .. last_pic (0: reference, 1: distorted).
  static void dwtn_row(const AdmScaleNJob& jb, const int* r, const int* next, const ExtPlan& ext,
                       const BandSpan& span, Rows& s, std::ptrdiff_t k, int first_pic = 0, int last_pic = 1) {
    // The last scale keeps no approximation: rows without bands are unused.
    if (!jb.ref_approx && !span.row) return;
    constexpr int kVShift[3] = {0, 16, 16};
    constexpr int kHShift[3] = {15, 16, 15};
    const int vs = kVShift[jb.scale - 1], hs = kHShift[jb.scale - 1];
    const V vround = I::set1(static_cast<int32_t>(half_unit(vs))), hround = I::set1(static_cast<int32_t>(half_unit(hs)));
    const int n = jb.taps.in_w, out_w = jb.taps.out_w;
    // Scale 1 reads scale 0's int16 approximations (no vertical shift).
    for (int pic = first_pic; pic <= last_pic && jb.scale == 1; ++pic) {
      const int16_t* src = pic ? jb.dis_src16 : jb.ref_src16;
      const int16_t* p0 = src + r[0] * jb.src_stride;
      const int16_t* p1 = src + r[1] * jb.src_stride;
      const int16_t* p2 = src + r[2] * jb.src_stride;
      const int16_t* p3 = src + r[3] * jb.src_stride;
      const int16_t* f0 = next ? src + next[2] * jb.src_stride : p3;
      const int16_t* f1 = next ? src + next[3] * jb.src_stride : p3;
      int32_t* lo = s.e32[2 * pic] + 1;
      int32_t* hi = s.e32[2 * pic + 1] + 1;
      constexpr int B = 2 * N;
      int j = 0;
      for (; j + B <= n; j += B) {
        prefetch(f0 + j);
        prefetch(f1 + j);
        if (span.high_pass(j, B, n))
          vertn16<true>(p0 + j, p1 + j, p2 + j, p3 + j, lo + j, hi + j);
        else
          vertn16<false>(p0 + j, p1 + j, p2 + j, p3 + j, lo + j, hi + j);
      }
      if (j < n) {
        alignas(64) int16_t tail[4][B] = {};
        const std::size_t bytes = sizeof(int16_t) * static_cast<std::size_t>(n - j);
        std::memcpy(tail[0], p0 + j, bytes);
        std::memcpy(tail[1], p1 + j, bytes);
        std::memcpy(tail[2], p2 + j, bytes);
        std::memcpy(tail[3], p3 + j, bytes);
        vertn16<true>(tail[0], tail[1], tail[2], tail[3], lo + j, hi + j);
      }
    }
    for (int pic = first_pic; pic <= last_pic && jb.scale > 1; ++pic) {
      const int32_t* src = pic ? jb.dis_src : jb.ref_src;
      const int32_t* p0 = src + r[0] * jb.src_stride;
      const int32_t* p1 = src + r[1] * jb.src_stride;
      const int32_t* p2 = src + r[2] * jb.src_stride;
      const int32_t* p3 = src + r[3] * jb.src_stride;
      int32_t* lo = s.e32[2 * pic] + 1;
      int32_t* hi = s.e32[2 * pic + 1] + 1;
      int j = 0;
      for (; j + N <= n; j += N) {
        if (span.high_pass(j, N, n))
          vertn<true>(p0 + j, p1 + j, p2 + j, p3 + j, vs, vround, lo + j, hi + j);
        else
          vertn<false>(p0 + j, p1 + j, p2 + j, p3 + j, vs, vround, lo + j, hi + j);
      }
      if (j < n) {
        alignas(64) int32_t tail[4][N] = {};
        const std::size_t bytes = sizeof(int32_t) * static_cast<std::size_t>(n - j);
        std::memcpy(tail[0], p0 + j, bytes);
        std::memcpy(tail[1], p1 + j, bytes);
        std::memcpy(tail[2], p2 + j, bytes);
        std::memcpy(tail[3], p3 + j, bytes);
        vertn<true>(tail[0], tail[1], tail[2], tail[3], vs, vround, lo + j, hi + j);
      }
    }
    fill_ext(s.e32, ext);
    for (int pic = first_pic; pic <= last_pic; ++pic) {
      int32_t* approx = pic ? jb.dis_approx : jb.ref_approx;
      if (approx) approx += k * jb.approx_stride;
      int32_t* const* band = pic ? s.dis : s.ref;
      const int32_t* el = s.e32[2 * pic];
      const int32_t* eh = s.e32[2 * pic + 1];
      span.split(out_w, [&](int begin, int end, auto bands) {
        if (!bands && !approx) return;
        HSplit ea = hsplit(el + 2 * begin), fa = hsplit(eh + 2 * begin);
        for (int q = begin; q < end; q += N) {
          const HSplit en = hsplit(el + 2 * (q + N));
          const V eh2 = I::next_lane(ea.h, en.h), el2 = I::next_lane(ea.l, en.l);
          if (approx) store_part(approx + q, split_filter(ea.h, eh2, ea.l, el2, kFiltLo, hround, hs), out_w - q);
          if constexpr (decltype(bands)::value) {
            const HSplit fn = hsplit(eh + 2 * (q + N));
            const V fh2 = I::next_lane(fa.h, fn.h), fl2 = I::next_lane(fa.l, fn.l);
            I::store(band[1] + q, split_filter(ea.h, eh2, ea.l, el2, kFiltHi, hround, hs));
            I::store(band[0] + q, split_filter(fa.h, fh2, fa.l, fl2, kFiltLo, hround, hs));
            I::store(band[2] + q, split_filter(fa.h, fh2, fa.l, fl2, kFiltHi, hround, hs));
            fa = fn;
          }
          ea = en;
        }
      });
    }
  }

  // ------------------------------------------------------------ decoupling

  struct DecParams {
    const int32_t* recip;
    double cos_sq;
    double gain;
    bool int_gain;
    bool int_gain64;  // an integer gain (scales 1..3)
    int32_t gain_i;
    uint32_t gain_caps_from;  // |r| * gain > 2^31 - 1 from here on
    // scale 0 CSF
    int32_t f16[3];
    int32_t cm16[3];
    // scales 1..3 CSF (uint32 factors)
    uint32_t f32[3];
    uint32_t cm32[3];
  };

  // The gain-limited value for lanes where the limit applies: |r * gain|
  // capped at t (o > 0: min, o < 0: max), rounded half-even (`kNearest`,
  // libvmaf's SIMD) or truncated (its C code). Capping before rounding gives
  // the same result, as t is an integer; it keeps the conversion in range.
  // kInt16: an integer gain below 2^15 and |r| < 2^15 (scale 0), so
  // r * gain is one madd of r's low half.
  template <bool kNearest, bool kInt16>
  static V gain_cap(V r, V o, V t, const DecParams& p) {
    if constexpr (kInt16) {
      const V g = I::madd(r, I::set1(p.gain_i & 0xFFFF));
      return I::blend(I::cmpgt(o, I::zero()), I::max(g, t), I::min(g, t));
    }
    const VD gain = I::set1_pd(p.gain);
    const VD glo = I::mul_pd(I::i32_pd_lo(r), gain), ghi = I::mul_pd(I::i32_pd_hi(r), gain);
    const VD tlo = I::i32_pd_lo(t), thi = I::i32_pd_hi(t);
    V lo, hi;
    if constexpr (kNearest) {
      lo = I::pd_i32_round(I::min_pd(glo, tlo), I::min_pd(ghi, thi));
      hi = I::pd_i32_round(I::max_pd(glo, tlo), I::max_pd(ghi, thi));
    } else {
      lo = I::pd_i32_trunc(I::min_pd(glo, tlo), I::min_pd(ghi, thi));
      hi = I::pd_i32_trunc(I::max_pd(glo, tlo), I::max_pd(ghi, thi));
    }
    return I::blend(I::cmpgt(o, I::zero()), hi, lo);
  }

  // gain_cap() for an integer gain (any rounding is exact), scales 1..3, in
  // 32 bits. Where it applies (lim), o and t share a sign and r has it or
  // is 0, so the capped value is min(|r| * gain, |t|) with o's sign; an |r|
  // from p.gain_caps_from on always caps, and below that the product fits.
  static V gain_cap32(V r, V o, V t, const DecParams& p) {
    const V ar = I::abs(r), at = I::abs(t);  // as uint32
    const V limit = I::set1(static_cast<int32_t>(p.gain_caps_from));
    const V m = I::blend(I::cmpeq(I::maxu(ar, limit), ar), I::minu(I::mullo(ar, I::set1(p.gain_i)), at), at);
    return I::blend(I::cmpgt(o, I::zero()), I::sub(I::zero(), m), m);
  }

  // Sign-extends the low 16 bits (the reference's int16 casts).
  static V sext16(V x) { return I::template srai<16>(I::template slli<16>(x)); }

  // Scale 0 ratio t / o in Q15, clamped to [0, 32768], all in 32 bits: it is
  // 0 unless o and t have the same sign, and with |t| capped at 2|o| the
  // product |2^30 / o| * |t| stays below 2^31 and still clamps when it should.
  // Where o == 0 it is 0 (the table's entry), not the reference's 32768: the
  // restored value is 0 either way, and k > 0 fails just as o == 0 does.
  // Its table reciprocal of |o|, which depends on the reference alone.
  static V recip0(V o, const DecParams& p) {
    // Band values are below 2^15, but lanes past the end of a row may hold
    // whatever the scratch held (any int32, INT_MIN included); the unsigned
    // clamp keeps their gather inside the table. Those lanes reach no result.
    return I::gather(p.recip, I::minu(I::abs(o), I::set1(32768)));
  }
  static V ratio0(V o, V t, V rec) {
    const V ao = I::minu(I::abs(o), I::set1(32768));
    const V tcap = I::minu(I::abs(t), I::add(ao, ao));
    const V prod = I::mullo(rec, tcap);
    const V k = I::template srli<15>(I::minu(I::add(prod, I::set1(16384)), I::set1(1 << 30)));
    // Opposite signs give 0; t == 0 gives 0 by itself.
    return I::blend(I::cmpgt(I::xor_(o, t), I::set1(-1)), I::zero(), k);
  }

  // Where one row's masking inputs go: mask and centre sums, and the
  // coefficients to mask (per orientation).
  struct MaskRow {
    int32_t* m;
    int32_t* c;
    int32_t* const* x;
  };

  static MaskRow mask_row(const Rows& s, int a, int k) { return {s.m[a][k % 3], s.c[a][k % 2], s.x[a][k % 2]}; }

  // Scale 0 masking terms of orientation b's CSF-weighted `v`: the CSF value,
  // whose low 16 bits (all madd reads) are the reference's int16, is
  // (v * f) rounded, >> 15 (h, v) or >> 17 (d); then |c| / 30 into msum and
  // |c| / 15 (the window centre) into csum.
  static void csf0_terms(V v, int b, const DecParams& p, M wide, V& msum, V& csum) {
    const V csf = I::add(I::mullo(v, I::set1(p.f16[b])), I::set1(b == 2 ? 65535 : 16384));
    const V cs = b == 2 ? I::template srai<17>(csf) : I::template srai<15>(csf);
    const V y = I::abs(I::madd(cs, I::set1(4369)));  // |c| / 30 and |c| / 15 in Q12
    // sext16((y + 2048) >> 12), as y + 2048 < 2^28
    msum = I::add(msum, I::template srai<16>(I::template slli<4>(I::add(y, I::set1(2048)))));
    const V cw = I::template srai<12>(I::add(I::add(y, y), I::set1(2048)));
    csum = I::add(csum, I::blend(wide, sext16(cw), cw));
  }

  // Row k of scale 0 decoupling, CSF and masking terms over work's columns:
  // the numerator masks the restored part by the additive one, AIM (kAim)
  // the additive part by the restored one. libvmaf's SIMD / C split falls on
  // a multiple of 16 columns from work.left, so each block of N (8 or 16) is
  // on one side of it.
  // kTerms: the reciprocals come from the reference's term rows (ladder mode).
  template <bool kSimd, bool kIntGain, bool kAim, bool kTerms = false>
  static void dec0_block(const Rows& s, int j, const DecParams& p, M wide, MaskRow num, MaskRow aim,
                         int32_t* rest) {
    const V o[3] = {I::load(s.ref[0] + j), I::load(s.ref[1] + j), I::load(s.ref[2] + j)};
    const V t[3] = {I::load(s.dis[0] + j), I::load(s.dis[1] + j), I::load(s.dis[2] + j)};
    // Scale 0 band values are int16 (|x| <= 27411, the horizontal filter's
    // bound for any int16 input; 22930 for in-range samples), so h and v pair
    // up for madd, and the angle terms fit int32 (and convert to float as
    // their int64 would).
    const V ohv = I::pair16(o[0], o[1]), thv = I::pair16(t[0], t[1]);
    const V dot = I::madd(ohv, thv), osq = I::madd(ohv, ohv), tsq = I::madd(thv, thv);
    // Within one degree: dot >= 0 and dot^2 >= cos^2 * |o|^2 * |t|^2, in the
    // reference's float / double steps (its /4096 scalings cancel exactly).
    const auto fd = I::cvt_ps(dot), fo = I::cvt_ps(osq), ft = I::cvt_ps(tsq);
    const VD c = I::set1_pd(p.cos_sq);
    auto test = [&](VD d, VD a, VD b) {
      const VD bound = kSimd ? I::mul_pd(I::mul_pd(a, b), c) : I::mul_pd(I::mul_pd(c, a), b);
      return I::cmpge_pd(I::mul_pd(d, d), bound);
    };
    const MD alo = test(I::ps_pd_lo(fd), I::ps_pd_lo(fo), I::ps_pd_lo(ft));
    const MD ahi = test(I::ps_pd_hi(fd), I::ps_pd_hi(fo), I::ps_pd_hi(ft));
    const M aligned = I::mand(I::mask_halves(alo, ahi), I::cmpgt(dot, I::set1(-1)));

    V msum = I::zero(), csum = I::zero(), amsum = I::zero(), acsum = I::zero();
#pragma GCC unroll 3
    for (int b = 0; b < 3; ++b) {
      const V k = ratio0(o[b], t[b], kTerms ? I::load(s.term[0][b] + j) : recip0(o[b], p));
      V r = I::template srai<15>(I::add(I::mullo(k, o[b]), I::set1(16384)));
      const M lim = I::mand(aligned, I::cmpgt(k, I::zero()));  // k is 0 where o is
      r = I::blend(lim, r, gain_cap<kSimd, kIntGain>(r, o[b], t[b], p));
      if (b == 2 && rest) I::store(rest + j, r);
      // r lies between 0 and t, so both parts are int16 as in the reference.
      const V add = I::sub(t[b], r);
      csf0_terms(add, b, p, wide, msum, csum);
      I::store(num.x[b] + j, I::mullo(r, I::set1(p.cm16[b])));
      if constexpr (kAim) {
        csf0_terms(r, b, p, wide, amsum, acsum);
        I::store(aim.x[b] + j, I::mullo(add, I::set1(p.cm16[b])));
      }
    }
    I::store(num.m + j, msum);
    I::store(num.c + j, csum);
    if constexpr (kAim) {
      I::store(aim.m + j, amsum);
      I::store(aim.c + j, acsum);
    }
  }

  // ---- scales 1..3

  // low32((a * f + 2^27) >> 28) for int32 a and uint32 f, in 64 bits.
  static V mul_q28(V a, uint32_t f) {
    const V fs = I::set1(static_cast<int32_t>(f));
    const V ao = I::template srli64<32>(a);
    V pe = I::mul_epi32(a, fs), po = I::mul_epi32(ao, fs);
    if (f >= 0x80000000u) {  // fs is f - 2^32
      pe = I::add64(pe, I::template slli64<32>(a));
      po = I::add64(po, I::template slli64<32>(ao));
    }
    const V round = I::set1_64(int64_t{1} << 27);
    pe = I::add64(pe, round);
    po = I::add64(po, round);
    return I::blend_odd32(I::template srli64<28>(pe), I::template slli64<4>(po));
  }

  // high32(k * |c| - 2^31) for int32 c: the Q32 |c| / 30 and |c| / 15.
  static V mul_hi_off(V ac, int32_t k) {
    const V kk = I::set1(k), off = I::set1_64(int64_t{1} << 31);
    const V pe = I::sub64(I::mul_epu32(ac, kk), off);
    const V po = I::sub64(I::mul_epu32(I::template srli64<32>(ac), kk), off);
    return I::blend_odd32(I::template srli64<32>(pe), po);
  }

  // Scales 1..3 ratio: o rounded to its top 15 significant bits (the shift
  // found from the float exponent of its leading bit), then the reciprocal
  // in 64 bits.
  struct RecipN {
    V rs, shift;  // the reciprocal with o's sign (negated), the rounding shift
  };
  static RecipN recipn(V o, const DecParams& p) {
    const V mag = I::abs(o);  // as uint32
    V shift;  // bit length - 15, at least 0
    if constexpr (I::kLzcnt) {
      shift = I::max(I::sub(I::set1(17), I::lzcnt(mag)), I::zero());
    } else {
      const M big = I::cmpeq(I::maxu(mag, I::set1(32768)), mag);
      // mag & ~(mag >> 1) keeps the leading bit and has no run of ones below
      // it, so its float conversion cannot round up to the next power of two.
      const V top = I::andnot(I::template srli<1>(mag), mag);
      const V expo = I::and_(I::template srli<23>(I::ps_bits(I::cvt_ps(top))), I::set1(0xFF));
      shift = I::blend(big, I::zero(), I::sub(expo, I::set1(141)));
    }
    const V m = I::srlv(I::add(mag, I::sllv(I::set1(1), I::sub(shift, I::set1(1)))), shift);
    const V rec = I::gather(p.recip, m);
    return {I::blend(I::cmpgt(I::zero(), o), rec, I::sub(I::zero(), rec)), shift};
  }
  static V ration(V t, const RecipN& r) {
    const V rs = r.rs, shift = r.shift;
    const V lo32 = I::set1_64(0xFFFFFFFFll);
    const V she = I::and_(shift, lo32), sho = I::template srli64<32>(shift);
    // (p + 2^(14+s)) >> (15+s), clamped to [0, 32768]; for p >= 0 that is
    // ((p >> s) + 2^14) >> 15, and any p < 0 gives 0 either way.
    const V round = I::set1_64(16384), cap = I::set1_64(32768);
    auto scale = [&](V p, V sh) {
      return I::min64(I::template srli64<15>(I::add64(I::srlv64(I::max64(p, I::zero()), sh), round)), cap);
    };
    const V pe = scale(I::mul_epi32(rs, t), she);
    const V po = scale(I::mul_epi32(I::template srli64<32>(rs), I::template srli64<32>(t)), sho);
    // Where o == 0, m and the table entry are 0, so k is 0 (not the
    // reference's 32768; as in ratio0(), nothing downstream tells them apart).
    return I::blend_odd32(pe, I::template slli64<32>(po));
  }

  // Scales 1..3 masking terms of orientation b's `v` (see csf0_terms()).
  static void csfn_terms(V v, int b, const DecParams& p, V& msum, V& csum) {
    const V ac = I::abs(mul_q28(v, p.f32[b]));
    msum = I::add(msum, mul_hi_off(ac, 143165577));
    csum = I::add(csum, mul_hi_off(ac, 286331153));
  }

  template <bool kNearest, bool kAim, bool kTerms = false>
  static void decn_block(const Rows& s, int j, const DecParams& p, MaskRow num, MaskRow aim) {
    const V o[3] = {I::load(s.ref[0] + j), I::load(s.ref[1] + j), I::load(s.ref[2] + j)};
    const V t[3] = {I::load(s.dis[0] + j), I::load(s.dis[1] + j), I::load(s.dis[2] + j)};
    const V oho = I::template srli64<32>(o[0]), ovo = I::template srli64<32>(o[1]);
    const V tho = I::template srli64<32>(t[0]), tvo = I::template srli64<32>(t[1]);
    const VD c = I::set1_pd(p.cos_sq), zero = I::set1_pd(0.0);
    auto test = [&](V oh, V ov, V th, V tv) {
      const VD d = I::i64_f_pd(I::add64(I::mul_epi32(oh, th), I::mul_epi32(ov, tv)));
      const VD a = I::u63_f_pd(I::add64(I::mul_epi32(oh, oh), I::mul_epi32(ov, ov)));
      const VD b = I::u63_f_pd(I::add64(I::mul_epi32(th, th), I::mul_epi32(tv, tv)));
      return I::mdand(I::cmpge_pd(d, zero), I::cmpge_pd(I::mul_pd(d, d), I::mul_pd(I::mul_pd(c, a), b)));
    };
    const M aligned = I::mask_evenodd(test(o[0], o[1], t[0], t[1]), test(oho, ovo, tho, tvo));

    V msum = I::zero(), csum = I::zero(), amsum = I::zero(), acsum = I::zero();
    for (int b = 0; b < 3; ++b) {
      const V k = ration(t[b], kTerms ? RecipN{I::load(s.term[0][b] + j), I::load(s.term[1][b] + j)}
                                      : recipn(o[b], p));
      const V round = I::set1_64(16384);
      const V pe = I::add64(I::mul_epi32(k, o[b]), round);
      const V po = I::add64(I::mul_epi32(I::template srli64<32>(k), I::template srli64<32>(o[b])), round);
      V r = I::blend_odd32(I::template srli64<15>(pe), I::template slli64<17>(po));
      const M lim = I::mand(aligned, I::cmpgt(k, I::zero()));  // k is 0 where o is
      if (p.int_gain64)
        r = I::blend(lim, r, gain_cap32(r, o[b], t[b], p));
      else
        r = I::blend(lim, r, gain_cap<kNearest, false>(r, o[b], t[b], p));
      const V add = I::sub(t[b], r);
      csfn_terms(add, b, p, msum, csum);
      I::store(num.x[b] + j, mul_q28(r, p.cm32[b]));
      if constexpr (kAim) {
        csfn_terms(r, b, p, amsum, acsum);
        I::store(aim.x[b] + j, mul_q28(add, p.cm32[b]));
      }
    }
    I::store(num.m + j, msum);
    I::store(num.c + j, csum);
    if constexpr (kAim) {
      I::store(aim.m + j, amsum);
      I::store(aim.c + j, acsum);
    }
  }

  // Ladder mode: the reference's decoupling terms of band row k, over the
  // dec blocks' columns.
  static void terms0_row(const Rows& s, const AdmRect& work, const DecParams& p) {
    for (int j = work.left; j < work.right; j += N)
      for (int b = 0; b < 3; ++b) I::store(s.term[0][b] + j, recip0(I::load(s.ref[b] + j), p));
  }
  static void termsn_row(const Rows& s, const AdmRect& work, const DecParams& p) {
    for (int j = work.left; j < work.right; j += N)
      for (int b = 0; b < 3; ++b) {
        const RecipN r = recipn(I::load(s.ref[b] + j), p);
        I::store(s.term[0][b] + j, r.rs);
        I::store(s.term[1][b] + j, r.shift);
      }
  }

  // ------------------------------------------------------------ denominators

  static void den0_row(const Rows& s, const AdmRect& pool, uint64_t out[3]) {
    V acc[3] = {I::zero(), I::zero(), I::zero()};
    for (int j = pool.left; j < pool.right; j += N) {
      const M valid = below(j, pool.right);
      for (int b = 0; b < 3; ++b) {
        const V x = I::blend(valid, I::zero(), I::abs(I::load(s.ref[b] + j)));
        const V x2 = I::mullo(x, x);
        const V e = I::mul_epu32(x2, x);
        const V od = I::mul_epu32(I::template srli64<32>(x2), I::template srli64<32>(x));
        acc[b] = I::add64(acc[b], I::add64(e, od));
      }
    }
    for (int b = 0; b < 3; ++b) out[b] = I::hsum64(acc[b]);
  }

  static void denn_row(const Rows& s, const AdmRect& pool, const AdmDenShifts& sh, uint64_t out[3]) {
    const V sq_round = I::set1_64(int64_t{1} << sh.square);
    const V cube_round = I::set1_64(half_unit(sh.cube));
    V acc[3] = {I::zero(), I::zero(), I::zero()};
    // x^2 >> square can take 33 bits (x = 2^31): the product with x then
    // takes the high part separately.
    auto cube = [&](V x) {
      const V q = I::srl64(I::add64(I::mul_epu32(x, x), sq_round), sh.square);
      const V t = I::add64(I::mul_epu32(q, x), I::template slli64<32>(I::mul_epu32(I::template srli64<32>(q), x)));
      return I::srl64(I::add64(t, cube_round), sh.cube);
    };
    for (int j = pool.left; j < pool.right; j += N) {
      const M valid = below(j, pool.right);
      for (int b = 0; b < 3; ++b) {
        const V x = I::blend(valid, I::zero(), I::abs(I::load(s.ref[b] + j)));
        acc[b] = I::add64(acc[b], I::add64(cube(x), cube(I::template srli64<32>(x))));
      }
    }
    for (int b = 0; b < 3; ++b) out[b] = I::hsum64(acc[b]);
  }

  // ------------------------------------------------------------ contrast masking

  struct CmParams {
    int sub[3];      // left shift of the threshold, per orientation
    int sq[3];       // shift after m * m
    int64_t sq_round[3];
    int cube[3];     // shift after m^2 * m
    int64_t cube_round[3];
  };

  // Row sums (before the row shift) of the masked cubes over pool's columns.
  // `mu`, `mi`, `md`: m rows above, at and below (edge rows as the
  // reference picks them), `c`: centre row, `x`: scaled restored rows.
  static void cm_row(const int32_t* mu, const int32_t* mi, const int32_t* md, const int32_t* c,
                     const int32_t* const* x, int32_t* v, const AdmRect& pool, int w, const CmParams& p,
                     uint64_t out[3]) {
    const int lo = std::max(pool.left - 1, 0), hi = std::min(pool.right + 1, w);
    for (int j = lo; j < hi; j += N) I::store(v + j, I::add(I::add(I::load(mu + j), I::load(mi + j)), I::load(md + j)));
    // Neighbour columns mirror at the start and repeat at the end.
    if (pool.left == 0) v[-1] = v[1];
    if (pool.right == w) v[w] = v[w - 1];
    V acc[3] = {I::zero(), I::zero(), I::zero()};
    V sq_round[3], cube_round[3];
    for (int b = 0; b < 3; ++b) {
      sq_round[b] = I::set1_64(p.sq_round[b]);
      cube_round[b] = I::set1_64(p.cube_round[b]);
    }
    for (int j = pool.left; j < pool.right; j += N) {
      V thr = I::add(I::add(I::load(v + j - 1), I::load(v + j)), I::load(v + j + 1));
      thr = I::add(I::sub(thr, I::load(mi + j)), I::load(c + j));
      const M valid = below(j, pool.right);
      for (int b = 0; b < 3; ++b) {
        V m = I::max(I::sub(I::abs(I::load(x[b] + j)), I::sll(thr, p.sub[b])), I::zero());
        m = I::blend(valid, I::zero(), m);
        const V mo = I::template srli64<32>(m);
        const V m2e = I::srl64(I::add64(I::mul_epu32(m, m), sq_round[b]), p.sq[b]);
        const V m2o = I::srl64(I::add64(I::mul_epu32(mo, mo), sq_round[b]), p.sq[b]);
        const V te = I::sra64(I::add64(I::mul_epi32(m2e, m), cube_round[b]), p.cube[b]);
        const V to = I::sra64(I::add64(I::mul_epi32(m2o, mo), cube_round[b]), p.cube[b]);
        acc[b] = I::add64(acc[b], I::add64(te, to));
      }
    }
    // Lanes past pool.right had m = 0, each adding cube_round >> cube.
    const int width = pool.right - pool.left;
    const uint64_t pad = static_cast<uint64_t>((width + N - 1) / N * N - width);
    for (int b = 0; b < 3; ++b)
      out[b] = I::hsum64(acc[b]) - pad * static_cast<uint64_t>(p.cube_round[b] >> p.cube[b]);
  }

  // ------------------------------------------------------------ drivers

  static DecParams dec_params(double gain) {
    DecParams p{};
    p.recip = adm_reciprocals();
    p.cos_sq = adm_cos_1deg_squared();
    p.gain = gain;
    p.int_gain = gain >= 0 && gain <= 32767 && gain == static_cast<double>(static_cast<int32_t>(gain));
    p.gain_i = static_cast<int32_t>(gain);
    // INT32_MAX / gain + 1 is 2^31 at gain 1: computed unsigned.
    p.gain_caps_from = p.gain_i > 0 ? static_cast<uint32_t>(INT32_MAX / p.gain_i) + 1u : UINT32_MAX;
    return p;
  }

  static bool in_rows(int i, const AdmRect& r) { return i >= r.top && i < r.bottom; }

  // A pair's contrast-masked sums, numerator ([0]) and AIM ([1]).
  struct NumSums {
    uint64_t v[2][3] = {};
  };

  // After a scale's rows: the masking of its last row, then each pair's sums.
  template <class Cm>
  static void finish(int n, int h, bool last_pooled, Cm& cm, const uint64_t (&den)[3],
                     const std::vector<NumSums>& num, AdmScaleSums* sums) {
    for (int e = 0; e < n; ++e) {
      if (last_pooled) cm(e, h - 1);
      for (int b = 0; b < 3; ++b) {
        sums[e].den[b] = den[b];
        sums[e].num[b] = static_cast<int64_t>(num[static_cast<std::size_t>(e)].v[0][b]);
        sums[e].aim[b] = static_cast<int64_t>(num[static_cast<std::size_t>(e)].v[1][b]);
      }
    }
  }

  // Ladder mode: the scratch holds a block of Rows for the reference (its
  // DWT and band rows and terms) and one per distorted picture (the rest);
  // without it, one block serves both.
  static std::size_t ladder_scratch_bytes(int width, int n) {
    return static_cast<std::size_t>(n + 1) * adm_scratch_bytes(width);
  }
  static std::vector<Rows> pair_rows(void* scratch, int width, int n, bool ladder, const Rows& shared) {
    std::vector<Rows> rows(static_cast<std::size_t>(n), shared);
    for (int e = 0; ladder && e < n; ++e) {
      Rows& r = rows[static_cast<std::size_t>(e)];
      r = carve(static_cast<unsigned char*>(scratch) + static_cast<std::size_t>(e + 1) * adm_scratch_bytes(width),
                width);
      std::copy(std::begin(shared.e16), std::end(shared.e16), r.e16);
      std::copy(std::begin(shared.e32), std::end(shared.e32), r.e32);
      std::copy(std::begin(shared.ref), std::end(shared.ref), r.ref);
      for (int a = 0; a < 2; ++a) std::copy(std::begin(shared.term[a]), std::end(shared.term[a]), r.term[a]);
    }
    return rows;
  }

  // Scale 0 of the reference against `n` distorted pictures (dis[e], its
  // approximation into dis_approx[e], its sums into sums[e]); jb's own dis
  // and dis_approx are not read. kLadder: the reference's DWT, denominator
  // and decoupling terms once per row for all of them; without it n is 1.
  template <class T, bool kLadder>
  static void scale0_run(const AdmScale0Job& jb, int n, const Plane* const* dis, int16_t* const* dis_approx,
                         void* scratch, AdmScaleSums* sums) {
    const AdmDwtTaps& tp = jb.taps;
    Rows s = carve(scratch, tp.in_w);
    std::vector<Rows> pr = pair_rows(scratch, tp.in_w, n, kLadder, s);
    const int in_w = tp.in_w, w = tp.out_w, h = tp.out_h;
    const ExtPlan ext = ext_plan(2, in_w, ext_taps(tp.cols, in_w, w));
    const AdmRect& work = jb.work;
    const AdmRect& pool = jb.pool;
    const AdmRect& wide = jb.cm.simd;

    DecParams dp = dec_params(jb.gain_limit);
    for (int b = 0; b < 3; ++b) {
      dp.f16[b] = jb.csf_factor[b];
      dp.cm16[b] = jb.cm.factor[b];
    }
    CmParams cp{};
    constexpr int kSub[3] = {10, 10, 12};
    constexpr int kSq[3] = {29, 29, 30};
    for (int b = 0; b < 3; ++b) {
      cp.sub[b] = kSub[b];
      cp.sq[b] = kSq[b];
      cp.sq_round[b] = int64_t{1} << (kSq[b] - 1);
      cp.cube[b] = jb.cm.cube_shift[b];
      cp.cube_round[b] = jb.cm.cube_round[b];
    }
    const uint64_t dummy_blocks = static_cast<uint64_t>(2 * ((wide.right - wide.left) / 14));
    const uint64_t den_round = static_cast<uint64_t>(half_unit(jb.den_row_shift));
    const int64_t row_round = half_unit(jb.cm.row_shift);

    uint64_t den[3] = {0, 0, 0};
    std::vector<NumSums> num(static_cast<std::size_t>(n));
    auto cm = [&](int e, int i) {
      const Rows& q = pr[static_cast<std::size_t>(e)];
      const int up = i == 0 ? 1 : i - 1, down = i == h - 1 ? h - 1 : i + 1;
      const bool simd_row = in_rows(i, wide);
      for (int a = 0; a < (jb.aim ? 2 : 1); ++a) {
        uint64_t acc[3];
        cm_row(q.m[a][up % 3], q.m[a][i % 3], q.m[a][down % 3], q.c[a][i % 2], q.x[a][i % 2], q.v, pool, w, cp,
               acc);
        for (int b = 0; b < 3; ++b) {
          if (simd_row) acc[b] += dummy_blocks * static_cast<uint64_t>(cp.cube_round[b] >> cp.cube[b]);
          num[e].v[a][b] += static_cast<uint64_t>((static_cast<int64_t>(acc[b]) + row_round) >> jb.cm.row_shift);
        }
      }
    };
    for (int k = 0; k < h; ++k) {
      const int* r = tp.rows + 4 * k;
      const int* next = k + 1 < h ? r + 4 : nullptr;
      // Rows outside the sample need only their approximation.
      const bool pooled = jb.sample.pooled(k, pool);
      const bool worked = jb.sample.worked(k, work, pool) || (k == jb.rest_d_row && in_rows(k, work));
      const BandSpan span(worked ? work : AdmRect{}, pooled ? pool : AdmRect{}, k);
      dwt0_row<T>(*jb.ref, r, next, in_w, w, ext, span, s, jb.ref_approx + k * jb.approx_stride, s.ref);
      if (pooled) {
        uint64_t acc[3];
        den0_row(s, pool, acc);
        for (int b = 0; b < 3; ++b) den[b] += (acc[b] + den_round) >> jb.den_row_shift;
      }
      if (kLadder && worked) terms0_row(s, work, dp);
      for (int e = 0; e < n; ++e) {
        Rows& q = pr[static_cast<std::size_t>(e)];
        dwt0_row<T>(*dis[e], r, next, in_w, w, ext, span, q, dis_approx[e] + k * jb.approx_stride, q.dis);
        if (worked) {
          const bool keep = !kLadder && k == jb.rest_d_row;
          const bool wide_row = in_rows(k, wide);
          for (int j = work.left; j < work.right; j += N) {
            const M wm = wide_row ? I::mandnot(below(j, wide.left), below(j, wide.right)) : I::mnone();
            int32_t* rest = keep ? q.rest : nullptr;
            const MaskRow nr = mask_row(q, 0, k), ar = mask_row(q, 1, k);
            const bool simd = j < jb.decouple_simd_end;
            if (jb.aim) {
              if (simd)
                dp.int_gain ? dec0_block<true, true, true, kLadder>(q, j, dp, wm, nr, ar, rest)
                            : dec0_block<true, false, true, kLadder>(q, j, dp, wm, nr, ar, rest);
              else
                dp.int_gain ? dec0_block<false, true, true, kLadder>(q, j, dp, wm, nr, ar, rest)
                            : dec0_block<false, false, true, kLadder>(q, j, dp, wm, nr, ar, rest);
            } else {
              if (simd)
                dp.int_gain ? dec0_block<true, true, false, kLadder>(q, j, dp, wm, nr, ar, rest)
                            : dec0_block<true, false, false, kLadder>(q, j, dp, wm, nr, ar, rest);
              else
                dp.int_gain ? dec0_block<false, true, false, kLadder>(q, j, dp, wm, nr, ar, rest)
                            : dec0_block<false, false, false, kLadder>(q, j, dp, wm, nr, ar, rest);
            }
          }
          if (keep)
            for (int j = work.left; j < work.right; ++j) jb.rest_d[j] = static_cast<int16_t>(q.rest[j]);
        }
        if (k >= 1 && jb.sample.pooled(k - 1, pool)) cm(e, k - 1);
      }
    }
    finish(n, h, jb.sample.pooled(h - 1, pool), cm, den, num, sums);
  }

  template <class T>
  static void scale0(const AdmScale0Job& jb, void* scratch, AdmScaleSums& sums) {
    scale0_run<T, false>(jb, 1, &jb.dis, &jb.dis_approx, scratch, &sums);
  }

  template <class T>
  static void ladder_scale0(const AdmScale0Ladder& l, void* scratch, AdmScaleSums* sums) {
    scale0_run<T, true>(*l.job, l.n, l.dis, l.dis_approx, scratch, sums);
  }

  // Scales 1..3, as scale0_run(): jobs[e] is the job of pair e (its ref
  // fields those of jobs[0]).
  template <bool kLadder>
  static void scalen_run(const AdmScaleNJob* jobs, int n, void* scratch, AdmScaleSums* sums) {
    const AdmScaleNJob& jb = jobs[0];
    const AdmDwtTaps& tp = jb.taps;
    // Rows laid out for a frame width of 2 in_w - 1 fit this scale and lie
    // within the scratch laid out for the real frame width (>= that), block
    // by block in ladder mode.
    const int layout_w = 2 * tp.in_w - 1;
    Rows s = carve(scratch, layout_w);
    std::vector<Rows> pr = pair_rows(scratch, layout_w, n, kLadder, s);
    const int w = tp.out_w, h = tp.out_h;
    const ExtPlan ext = ext_plan(4, tp.in_w, ext_taps(tp.cols, tp.in_w, w));
    const AdmRect& work = jb.work;
    const AdmRect& pool = jb.pool;

    DecParams dp = dec_params(jb.gain_limit);
    dp.int_gain64 = dp.int_gain;
    dp.int_gain = false;  // r * gain can exceed int32 here
    for (int b = 0; b < 3; ++b) {
      dp.f32[b] = jb.csf_factor[b];
      dp.cm32[b] = jb.cm.factor[b];
    }
    CmParams cp{};
    for (int b = 0; b < 3; ++b) {
      cp.sub[b] = 0;
      cp.sq[b] = 30;
      cp.sq_round[b] = int64_t{1} << 29;
      cp.cube[b] = jb.cm.cube_shift;
      cp.cube_round[b] = half_unit(jb.cm.cube_shift);
    }
    const uint64_t den_round = static_cast<uint64_t>(half_unit(jb.den.row));
    const int64_t row_round = half_unit(jb.cm.row_shift);

    uint64_t den[3] = {0, 0, 0};
    std::vector<NumSums> num(static_cast<std::size_t>(n));
    auto cm = [&](int e, int i) {
      const Rows& q = pr[static_cast<std::size_t>(e)];
      const int up = i == 0 ? 1 : i - 1, down = i == h - 1 ? h - 1 : i + 1;
      for (int a = 0; a < (jb.aim ? 2 : 1); ++a) {
        uint64_t acc[3];
        cm_row(q.m[a][up % 3], q.m[a][i % 3], q.m[a][down % 3], q.c[a][i % 2], q.x[a][i % 2], q.v, pool, w, cp,
               acc);
        for (int b = 0; b < 3; ++b)
          num[e].v[a][b] += static_cast<uint64_t>((static_cast<int64_t>(acc[b]) + row_round) >> jb.cm.row_shift);
      }
    };
    for (int k = 0; k < h; ++k) {
      const int* r = tp.rows + 4 * k;
      const int* next = k + 1 < h ? r + 4 : nullptr;
      const bool pooled = jb.sample.pooled(k, pool), worked = jb.sample.worked(k, work, pool);
      const BandSpan span(worked ? work : AdmRect{}, pooled ? pool : AdmRect{}, k);
      // Without kLadder both pictures in one call, as the reference's
      // scratch holds them; with it, the reference once and each pair after.
      dwtn_row(jb, r, next, ext, span, s, k, 0, kLadder ? 0 : 1);
      if (pooled) {
        uint64_t acc[3];
        denn_row(s, pool, jb.den, acc);
        for (int b = 0; b < 3; ++b) den[b] += (acc[b] + den_round) >> jb.den.row;
      }
      if (kLadder && worked) termsn_row(s, work, dp);
      for (int e = 0; e < n; ++e) {
        Rows& q = pr[static_cast<std::size_t>(e)];
        if (kLadder) dwtn_row(jobs[e], r, next, ext, span, q, k, 1, 1);
        if (worked)
          for (int j = work.left; j < work.right; j += N) {
            const MaskRow nr = mask_row(q, 0, k), ar = mask_row(q, 1, k);
            const bool simd = j < jb.decouple_simd_end;
            if (jb.aim)
              simd ? decn_block<true, true, kLadder>(q, j, dp, nr, ar)
                   : decn_block<false, true, kLadder>(q, j, dp, nr, ar);
            else
              simd ? decn_block<true, false, kLadder>(q, j, dp, nr, ar)
                   : decn_block<false, false, kLadder>(q, j, dp, nr, ar);
          }
        if (k >= 1 && jb.sample.pooled(k - 1, pool)) cm(e, k - 1);
      }
    }
    finish(n, h, jb.sample.pooled(h - 1, pool), cm, den, num, sums);
  }

  static void scalen(const AdmScaleNJob& jb, void* scratch, AdmScaleSums& sums) {
    scalen_run<false>(&jb, 1, scratch, &sums);
  }

  static void ladder_scalen(const AdmScaleNJob* jobs, int n, void* scratch, AdmScaleSums* sums) {
    scalen_run<true>(jobs, n, scratch, sums);
  }

  static AdmFused table(int bpc) {
    AdmFused f;
    f.scratch_bytes = adm_scratch_bytes;
    f.scale0 = bpc == 8 ? scale0<std::uint8_t> : scale0<std::uint16_t>;
    f.scalen = scalen;
    f.ladder_scratch_bytes = ladder_scratch_bytes;
    f.ladder_scale0 = bpc == 8 ? ladder_scale0<std::uint8_t> : ladder_scale0<std::uint16_t>;
    f.ladder_scalen = ladder_scalen;
    return f;
  }
};

}  // namespace
}  // namespace pvt::feature::kernels
