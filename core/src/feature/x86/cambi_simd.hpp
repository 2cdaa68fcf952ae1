#pragma once
// CAMBI's kernels over vectors, for any ISA whose ops struct supplies the
// operations used below (see cambi_avx2.cpp / cambi_avx512.cpp). Include only
// from files compiled for that ISA.
//
// Every kernel writes exactly what the scalar one writes (no vector tails past
// a row's width): a later, smaller scale reads past its corner into what the
// larger scales left there.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#include "../kernels/cambi_kernels.hpp"

namespace pvt::feature::kernels::cambi_simd {

inline constexpr int kMaskPad = cambi::kMaskFilter / 2;

inline std::size_t round64(std::size_t n) { return (n + 63) & ~std::size_t{63}; }

// ---- conversion to 10 bits, anti-dithering --------------------------------

template <class Ops>
void anti_dither(const CambiImage& img, int w, int h);

// 8-bit input with anti-dithering in one pass: the 2x2 mean of samples
// shifted up by 2 is their sum, (a + c) << 1 in the last column, (a + b) << 1
// in the last row.
template <class Ops>
void to10_dithered8(const Plane& in, const CambiImage& img) {
  constexpr int N = Ops::kWords;
  const int w = in.width, h = in.height;
  for (int i = 0; i < h; ++i) {
    const std::uint8_t* a = in.row<std::uint8_t>(i);
    std::uint16_t* dst = img.data + img.stride * i;
    int j = 0;
    if (i + 1 < h) {
      const std::uint8_t* b = in.row<std::uint8_t>(i + 1);
      for (; j + N < w; j += N)
        Ops::store16(dst + j, Ops::add16(Ops::add16(Ops::load8to16(a + j), Ops::load8to16(a + j + 1)),
                                         Ops::add16(Ops::load8to16(b + j), Ops::load8to16(b + j + 1))));
      for (; j + 1 < w; ++j) dst[j] = static_cast<std::uint16_t>(a[j] + a[j + 1] + b[j] + b[j + 1]);
      dst[w - 1] = static_cast<std::uint16_t>((a[w - 1] + b[w - 1]) << 1);
    } else {
      for (; j + N < w; j += N)
        Ops::store16(dst + j, Ops::template slli16<1>(Ops::add16(Ops::load8to16(a + j), Ops::load8to16(a + j + 1))));
      for (; j + 1 < w; ++j) dst[j] = static_cast<std::uint16_t>((a[j] + a[j + 1]) << 1);
      dst[w - 1] = static_cast<std::uint16_t>(a[w - 1] << 2);
    }
  }
}

template <class Ops>
void to10(const Plane& in, const CambiImage& img, bool dither) {
  constexpr int N = Ops::kWords;
  const int w = in.width, bpc = in.bpc;
  if (bpc == 8 && dither) return to10_dithered8<Ops>(in, img);
  for (int i = 0; i < in.height; ++i) {
    std::uint16_t* dst = img.data + img.stride * i;
    int j = 0;
    if (bpc == 8) {
      const std::uint8_t* src = in.row<std::uint8_t>(i);
      for (; j + N <= w; j += N) Ops::store16(dst + j, Ops::template slli16<2>(Ops::load8to16(src + j)));
      for (; j < w; ++j) dst[j] = static_cast<std::uint16_t>(src[j] << 2);
      continue;
    }
    const std::uint16_t* src = in.row<std::uint16_t>(i);
    if (bpc == 10) {
      std::memcpy(dst, src, sizeof(std::uint16_t) * static_cast<std::size_t>(w));
    } else if (bpc < 10) {
      for (; j < w; ++j) dst[j] = static_cast<std::uint16_t>(src[j] << (10 - bpc));
    } else {
      // (v + r) >> s without overflowing 16 bits: for s >= 2, r = 2^(s-1) is
      // even, so it equals ((v >> 1) + r / 2) >> (s - 1); for s = 1 it is the
      // rounding-up average of v and 0.
      const int shift = bpc - 10;
      const unsigned round = 1u << (shift - 1);
      const auto half_round = Ops::set16(static_cast<std::uint16_t>(round >> 1));
      for (; j + N <= w; j += N) {
        const auto v = Ops::load16(src + j);
        Ops::store16(dst + j, shift == 1 ? Ops::avg16(v, Ops::zero16())
                                         : Ops::srli16(Ops::add16(Ops::srli16(v, 1), half_round), shift - 1));
      }
      for (; j < w; ++j) dst[j] = static_cast<std::uint16_t>((src[j] + round) >> shift);
    }
  }
  if (dither) anti_dither<Ops>(img, w, in.height);
}

template <class Ops>
void anti_dither(const CambiImage& img, int w, int h) {
  constexpr int N = Ops::kWords;
  for (int i = 0; i < h; ++i) {
    std::uint16_t* row = img.data + img.stride * i;
    int j = 0;
    if (i + 1 < h) {
      const std::uint16_t* next = row + img.stride;
      for (; j + N < w; j += N) {
        const auto s = Ops::add16(Ops::add16(Ops::load16(row + j), Ops::load16(row + j + 1)),
                                  Ops::add16(Ops::load16(next + j), Ops::load16(next + j + 1)));
        Ops::store16(row + j, Ops::srli16(s, 2));
      }
      for (; j + 1 < w; ++j)
        row[j] = static_cast<std::uint16_t>((row[j] + row[j + 1] + next[j] + next[j + 1]) >> 2);
      row[w - 1] = static_cast<std::uint16_t>((row[w - 1] + next[w - 1]) >> 1);
    } else {
      for (; j + N < w; j += N)
        Ops::store16(row + j, Ops::srli16(Ops::add16(Ops::load16(row + j), Ops::load16(row + j + 1)), 1));
      for (; j + 1 < w; ++j) row[j] = static_cast<std::uint16_t>((row[j] + row[j + 1]) >> 1);
    }
  }
}

// ---- flat-area mask --------------------------------------------------------

// Derivative row r as 0/1 bytes; zero from column w on (to the next 64).
template <class Ops>
void flat_row(const CambiImage& img, int w, int h, int r, std::uint8_t* out) {
  constexpr int B = Ops::kBytes;
  const std::uint16_t* row = img.data + img.stride * r;
  const std::uint16_t* below = r + 1 < h ? row + img.stride : row;
  for (int c = 0; c < w; c += B) Ops::store8(out + c, Ops::flat_bytes(row + c, below + c));
  out[w - 1] = row[w - 1] == below[w - 1];  // no right neighbour: equal
  std::memset(out + w, 0, round64(static_cast<std::size_t>(w)) - static_cast<std::size_t>(w));
}

template <class Ops>
void mask(const CambiImage& img, const CambiMask& m, int w, int h, int threshold, std::uint8_t* scratch) {
  constexpr int B = Ops::kBytes;
  const std::size_t row_bytes = round64(static_cast<std::size_t>(w));
  std::uint8_t* ring = scratch;
  // Column counts, with 64 zero bytes before (the window's left reach) and
  // zeros after the width (flat_row keeps those lanes zero).
  std::uint8_t* col = scratch + 8 * row_bytes + 64;
  std::memset(col - 64, 0, row_bytes + 128);
  const auto ring_row = [&](int r) { return ring + row_bytes * static_cast<std::size_t>(r & 7); };
  const auto add_row = [&](int r) {
    std::uint8_t* d = ring_row(r);
    flat_row<Ops>(img, w, h, r, d);
    for (int c = 0; c < w; c += B) Ops::store8(col + c, Ops::add8(Ops::load8(col + c), Ops::load8(d + c)));
  };
  for (int r = 0; r < std::min(kMaskPad, h); ++r) add_row(r);
  const auto thr = Ops::set8(static_cast<std::uint8_t>(std::min(threshold, 255)));
  for (int i = 0; i < h; ++i) {
    if (i + kMaskPad < h) add_row(i + kMaskPad);
    if (i - kMaskPad - 1 >= 0) {
      const std::uint8_t* d = ring_row(i - kMaskPad - 1);
      for (int c = 0; c < w; c += B) Ops::store8(col + c, Ops::sub8(Ops::load8(col + c), Ops::load8(d + c)));
    }
    std::uint8_t* out = m.data + m.stride * i;
    int j = 0;
    for (; j < w; j += B) {
      auto s = Ops::load8(col + j - kMaskPad);
      for (int k = 1 - kMaskPad; k <= kMaskPad; ++k) s = Ops::add8(s, Ops::load8(col + j + k));
      const auto bits = Ops::gt8(s, thr);
      if (j + B <= w) Ops::store8(out + j, bits);
      else Ops::store8_n(out + j, bits, w - j);
    }
  }
}

// ---- decimation, mode filter ----------------------------------------------

// dst[i][j] = src[2i][2j] in place, for samples (16-bit) or mask bytes.
template <class Ops, class T>
void decimate_plane(T* data, std::ptrdiff_t stride, int w, int h) {
  constexpr int N = sizeof(T) == 1 ? Ops::kBytes : Ops::kWords;
  for (int i = 0; i < h; ++i) {
    const T* src = data + 2 * stride * i;
    T* dst = data + stride * i;
    int j = 0;
    for (; j + N <= w; j += N) Ops::store_even(dst + j, src + 2 * j);
    for (; j < w; ++j) dst[j] = src[2 * j];
  }
}

template <class Ops>
void decimate(const CambiImage& img, int w, int h) { decimate_plane<Ops>(img.data, img.stride, w, h); }

template <class Ops>
void decimate_mask(const CambiMask& m, int w, int h) { decimate_plane<Ops>(m.data, m.stride, w, h); }

inline std::uint16_t mode3_scalar(std::uint16_t a, std::uint16_t b, std::uint16_t c) {
  if (a == b || a == c) return a;
  if (b == c) return b;
  return std::min({a, b, c});
}

template <class Ops>
void mode(const CambiImage& img, int w, int h, std::uint16_t* scratch) {
  constexpr int N = Ops::kWords;
  for (int i = 0; i < h; ++i) {
    const std::uint16_t* row = img.data + img.stride * i;
    std::uint16_t* hm = scratch + static_cast<std::ptrdiff_t>(w) * (i % 3);
    hm[0] = row[0];
    int j = 1;
    for (; j + N < w; j += N) Ops::store16(hm + j, Ops::mode3(Ops::load16(row + j - 1), Ops::load16(row + j), Ops::load16(row + j + 1)));
    for (; j < w - 1; ++j) hm[j] = mode3_scalar(row[j - 1], row[j], row[j + 1]);
    hm[w - 1] = row[w - 1];
    if (i >= 2) {
      std::uint16_t* out = img.data + img.stride * (i - 1);
      const std::uint16_t *a = scratch, *b = scratch + w, *c = scratch + 2 * w;
      int k = 0;
      for (; k + N <= w; k += N) Ops::store16(out + k, Ops::mode3(Ops::load16(a + k), Ops::load16(b + k), Ops::load16(c + k)));
      for (; k < w; ++k) out[k] = mode3_scalar(a[k], b[k], c[k]);
    }
  }
}

// ---- window histograms and c-values ----------------------------------------

// The histograms are kept in tiles of 32 columns (a cache line): tile t holds
// band_size rows of 32 counts, so one value's counts for a column and its
// neighbouring values' lie together.
inline constexpr int kTile = 32;

inline std::size_t tile_row(int tile, int band_size, int row) {
  return (static_cast<std::size_t>(tile) * static_cast<std::size_t>(band_size) + static_cast<std::size_t>(row)) * kTile;
}

// Histogram row `row` += (or -=, with sub) the number of columns of [a, e]
// within pad of c, for every column c < w: a run of equal values entering
// (leaving) the window, each column's pixel counting for the 2 * pad + 1
// columns around it.
template <class Ops>
inline void add_run(std::uint16_t* hist, int band_size, int row, int a, int e, int pad, int w, bool sub) {
  constexpr int N = Ops::kWords;
  const auto vpad = Ops::set16(static_cast<std::uint16_t>(pad)), vw = Ops::set16(static_cast<std::uint16_t>(w));
  const auto va = Ops::set16(static_cast<std::uint16_t>(a)), ve = Ops::set16(static_cast<std::uint16_t>(e));
  const auto one = Ops::set16(1), zero = Ops::zero16();
  const int first = std::max(a - pad, 0) / kTile, last = std::min(e + pad, w - 1) / kTile;
  for (int tile = first; tile <= last; ++tile) {
    std::uint16_t* p = hist + tile_row(tile, band_size, row);
    for (int k = 0; k < kTile; k += N) {
      // columns and reaches stay below 2^15: signed 16-bit arithmetic will do;
      // the count is <= 0 outside the run's reach, and kept 0 past the width
      const auto col = Ops::add16(Ops::iota16(), Ops::set16(static_cast<std::uint16_t>(tile * kTile + k)));
      auto n = Ops::add16(Ops::sub16(Ops::min16(Ops::add16(col, vpad), ve), Ops::max16(Ops::sub16(col, vpad), va)), one);
      n = Ops::and16(Ops::max16(n, zero), Ops::lt16(col, vw));
      const auto cur = Ops::load16(p + k);
      Ops::store16(p + k, sub ? Ops::sub16(cur, n) : Ops::add16(cur, n));
    }
  }
}

// Runs of one histogram row over consecutive columns, found a chunk of
// columns at a time from bit masks, and added to the histograms whole
// (neighbouring columns' windows overlap: updating them one by one would
// re-read what the previous column just wrote).
struct Run {
  int value = -1, first = 0, last = -2;
};

template <class Ops>
class RunFinder {
 public:
  RunFinder(std::uint16_t* hist, int band_size, int pad, int w, bool leaving)
      : hist_(hist), band_size_(band_size), pad_(pad), w_(w), leaving_(leaving) {}

  // Columns j0.. of this chunk: `valid` marks those whose pixel changes a
  // histogram row, rows[k] that row, and bit k of `same` (k >= 1) says
  // rows[k] == rows[k - 1].
  void chunk(int j0, std::uint32_t valid, std::uint32_t same, const std::uint16_t* rows) {
    constexpr int N = Ops::kWords;
    std::uint32_t cont = valid & same & (valid << 1) & ~1u;
    if (open_.value >= 0 && open_.last == j0 - 1 && (valid & 1) && rows[0] == open_.value) cont |= 1;
    const std::uint64_t breaks = ~static_cast<std::uint64_t>(cont);  // bits >= N set: the chunk's end
    if (open_.value >= 0) {
      const int len = std::countr_zero(breaks);  // columns the open run goes on for
      if (len < N) {
        if (len > 0) open_.last = j0 + len - 1;
        emit(open_);
        open_.value = -1;
      } else {
        open_.last = j0 + N - 1;
      }
    }
    std::uint32_t starts = valid & ~cont;
    while (starts) {
      const int k = std::countr_zero(starts);
      starts &= starts - 1;
      const int len = std::countr_zero(breaks >> (k + 1));
      const Run r{rows[k], j0 + k, j0 + k + len};
      if (k + 1 + len >= N) open_ = r;  // reaches the chunk's end: may go on
      else emit(r);
    }
  }

  void finish() {
    if (open_.value >= 0) emit(open_);
    open_.value = -1;
  }

 private:
  void emit(const Run& r) { add_run<Ops>(hist_, band_size_, r.value, r.first, r.last, pad_, w_, leaving_); }

  std::uint16_t* hist_;
  int band_size_, pad_, w_;
  bool leaving_;
  Run open_;
};

// One step of the window's rows: row `add` enters (if >= 0), row `sub` leaves
// (if >= 0). A column whose entering and leaving pixels count the same value
// changes nothing.
template <class Ops>
void slide(const CambiImage& img, const CambiMask& m, int w, int pad, int add, int sub,
           const cambi::ContrastTables& t, std::uint16_t* hist) {
  constexpr int N = Ops::kWords;
  const int cols = std::max(w, pad);
  const std::uint8_t* ma = add >= 0 ? m.data + m.stride * add : nullptr;
  const std::uint8_t* ms = sub >= 0 ? m.data + m.stride * sub : nullptr;
  const std::uint16_t* va = add >= 0 ? img.data + img.stride * add : nullptr;
  const std::uint16_t* vs = sub >= 0 ? img.data + img.stride * sub : nullptr;
  RunFinder<Ops> in(hist, t.band_size, pad, w, false), out(hist, t.band_size, pad, w, true);
  // Per column, the histogram row its entering (leaving) pixel counts in,
  // or 0xFFFF for none; only columns where the two differ change anything.
  const auto vbase = Ops::set16(static_cast<std::uint16_t>(t.band_base));
  const auto vsize = Ops::set16(static_cast<std::uint16_t>(t.band_size));
  const auto none = Ops::set16(0xFFFF);
  alignas(64) std::uint16_t rows_in[N], rows_out[N];
  for (int j0 = 0; j0 < cols; j0 += N) {
    std::uint32_t any = 0;
    if (ma) any |= Ops::nonzero_bits8_w(ma + j0);
    if (ms) any |= Ops::nonzero_bits8_w(ms + j0);
    if (!any) continue;
    const auto a = ma ? Ops::band_rows(va + j0, ma + j0, vbase, vsize) : none;
    const auto s = ms ? Ops::band_rows(vs + j0, ms + j0, vbase, vsize) : none;
    std::uint32_t diff = Ops::neq_bits16(a, s);
    if (cols - j0 < N) diff &= (1u << (cols - j0)) - 1;
    if (!diff) continue;
    Ops::store16(rows_in, a);
    Ops::store16(rows_out, s);
    in.chunk(j0, diff & Ops::neq_bits16(a, none), Ops::same_as_previous16(a), rows_in);
    out.chunk(j0, diff & Ops::neq_bits16(s, none), Ops::same_as_previous16(s), rows_out);
  }
  in.finish();
  out.finish();
}

// The c-values of row i, from the histograms of its window, appended (non-zero
// ones, in column order) to `out`.
template <class Ops>
void c_row(const CambiImage& img, const CambiMask& m, int w, int i, const cambi::ContrastTables& t,
           const std::uint16_t* hist, float* out, CambiCValueStats& stats) {
  using I = typename Ops::I;
  using F = typename Ops::F;
  using K = typename Ops::K;
  constexpr int L = Ops::kLanes;
  const std::uint16_t* row = img.data + img.stride * i;
  const std::uint8_t* mrow = m.data + m.stride * i;
  const int nd = t.num_diffs;
  const int base = t.band_base, size = t.band_size;
  const I vbase = Ops::set32(base), vsize = Ops::set32(size), vnd = Ops::set32(nd);
  const I lane = Ops::iota32();
  for (int j = 0; j < w; j += L) {
    const int n = std::min(L, w - j);
    const K in_row = Ops::first_lanes(n);
    const K masked = Ops::and_k(in_row, Ops::nonzero32(Ops::load8to32(mrow + j)));
    if (Ops::none(masked)) continue;
    const I value = Ops::load16to32(row + j);
    const I compact = Ops::sub32(value, vbase);
    const K active = Ops::and_k(masked, Ops::lt_u32(compact, vsize));
    if (Ops::none(active)) continue;
    const int v0 = row[j + Ops::first_set(active)];
    F best = Ops::zero_f();
    if (Ops::all_equal(value, v0, active)) {
      // One value in every active lane: its histogram rows are contiguous here.
      const int c0 = v0 - base;
      const std::uint16_t* hp = hist + tile_row(j / kTile, size, c0) + j % kTile;
      const I p0 = Ops::load16to32(hp);
      for (int d = 0; d < nd; ++d) {
        const int adjusted = v0 + nd;
        if (adjusted > t.tvi[d] || adjusted + d + 1 <= t.vlt) continue;
        I pm = Ops::load16to32(hp + (d + 1) * kTile);
        if (c0 - d - 1 >= 0) pm = Ops::max32(pm, Ops::load16to32(hp - (d + 1) * kTile));
        if (Ops::none(Ops::and_k(active, Ops::nonzero32(pm)))) continue;
        const I num = Ops::mullo32(Ops::set32(t.weight[d]), Ops::mullo32(p0, pm));
        const F val = Ops::mul_f(Ops::cvt_f(num), Ops::gather_f(t.reciprocal, Ops::add32(p0, pm), active));
        best = Ops::max_f(best, val);
      }
    } else {
      // index of (row r, this lane's column) = tile start + r * 32 + column in tile
      const I col = Ops::add32(Ops::set32(static_cast<int>(tile_row(j / kTile, size, 0)) + j % kTile), lane);
      const auto at = [&](I r) { return Ops::add32(Ops::slli32_5(r), col); };
      const I cidx = Ops::blend32(Ops::zero32(), compact, active);  // inactive lanes read row 0
      const I p0 = Ops::gather16(hist, at(cidx), active);
      const I adjusted = Ops::add32(value, vnd);
      for (int d = 0; d < nd; ++d) {
        K on = Ops::and_k(active, Ops::le32(adjusted, Ops::set32(t.tvi[d])));
        on = Ops::and_k(on, Ops::gt32(Ops::add32(adjusted, Ops::set32(d + 1)), Ops::set32(t.vlt)));
        if (Ops::none(on)) continue;
        const I up = Ops::add32(cidx, Ops::set32(d + 1));
        const I dn = Ops::sub32(cidx, Ops::set32(d + 1));
        I pm = Ops::gather16(hist, at(up), on);
        const K dn_on = Ops::and_k(on, Ops::gt32(dn, Ops::set32(-1)));
        pm = Ops::max32(pm, Ops::gather16(hist, at(Ops::blend32(Ops::zero32(), dn, dn_on)), dn_on));
        const K on_nz = Ops::and_k(on, Ops::nonzero32(pm));
        if (Ops::none(on_nz)) continue;
        const I num = Ops::mullo32(Ops::set32(t.weight[d]), Ops::mullo32(p0, pm));
        const F val = Ops::mul_f(Ops::cvt_f(num), Ops::gather_f(t.reciprocal, Ops::add32(p0, pm), on_nz));
        best = Ops::max_f(best, Ops::maskz_f(val, on_nz));
      }
    }
    best = Ops::maskz_f(best, active);
    stats.nonzero += static_cast<std::size_t>(Ops::compress_store_nonzero(out + stats.nonzero, best));
  }
}

template <class Ops>
CambiCValueStats c_values(const CambiImage& img, const CambiMask& m, int w, int h, int pad,
                          const cambi::ContrastTables& t, std::uint16_t* hist, float* nonzero) {
  CambiCValueStats stats;
  if (t.band_size == 0) return stats;
  for (int r = 0; r < pad; ++r) slide<Ops>(img, m, w, pad, r, -1, t, hist);
  for (int i = 0; i < h; ++i) {
    slide<Ops>(img, m, w, pad, i + pad < h ? i + pad : -1, i > pad ? i - pad - 1 : -1, t, hist);
    c_row<Ops>(img, m, w, i, t, hist, nonzero, stats);
  }
  for (int r = std::max(h - 1 - pad, 0); r < std::max(h, pad); ++r) slide<Ops>(img, m, w, pad, -1, r, t, hist);
  return stats;
}

template <class Ops>
CambiKernels kernels() {
  return {to10<Ops>, anti_dither<Ops>, mask<Ops>, decimate<Ops>, decimate_mask<Ops>, mode<Ops>, c_values<Ops>};
}

}  // namespace pvt::feature::kernels::cambi_simd
