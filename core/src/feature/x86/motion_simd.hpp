#pragma once
// The motion SAD kernel over vectors of int32 lanes, for any ISA whose ops
// struct supplies the few operations below (see motion_avx2/avx512.cpp).
//
// 9..15-bit samples (sad). Vertical pass: the 5 taps are symmetric, so f0*(d0+d4) + f1*(d1+d3) + f2*d2,
// exact in int32 for up to 15-bit samples. Horizontal pass: the blurred rows
// stay within +-2^16, so each is split as hi*256 + lo and both halves are
// filtered in int32; (A*256 + B + 2^15) >> 16 == (A + ((B + 2^15) >> 8)) >> 8.
#include <cstdint>
#include <cstdlib>

#include "../kernels/motion_kernels.hpp"
#include "../kernels/prefetch.hpp"

namespace pvt::feature::kernels::motion_simd {

inline constexpr std::int32_t kF0 = kMotionFilter[0], kF1 = kMotionFilter[1], kF2 = kMotionFilter[2];
constexpr auto mirror = motion_mirror;

inline std::int32_t horizontal_at(const std::int32_t* row, int j, int w) {
  const std::int64_t acc = std::int64_t{kF0} * (row[mirror(j - 2, w)] + row[mirror(j + 2, w)]) +
                           std::int64_t{kF1} * (row[mirror(j - 1, w)] + row[mirror(j + 1, w)]) +
                           std::int64_t{kF2} * row[j];
  return static_cast<std::int32_t>((acc + (1 << 15)) >> 16);
}

// The five mirrored rows of both pictures under output row i, and the row
// the next output row adds (null at the bottom), fetched ahead.
template <class T>
struct RowWindow {
  const T* p[5];
  const T* c[5];
  const T* next_p = nullptr;
  const T* next_c = nullptr;

  // Prefetches the next output row's new input row when i + 1 < end.
  RowWindow(const Plane& prev, const Plane& cur, int i, int h, int end) {
    for (int k = 0; k < 5; ++k) {
      const int r = mirror(i - 2 + k, h);
      p[k] = prev.row<T>(r);
      c[k] = cur.row<T>(r);
    }
    if (i + 1 < end && i + 3 < h) {
      next_p = prev.row<T>(i + 3);
      next_c = cur.row<T>(i + 3);
    }
  }
  void prefetch(int j) const {
    if (!next_p) return;
    prefetch_read(next_p + j);
    prefetch_read(next_c + j);
  }
  // The vertical filter of the difference at column j, before rounding.
  std::int32_t vertical_at(int j) const {
    return kF0 * ((std::int32_t{p[0][j]} - c[0][j]) + (std::int32_t{p[4][j]} - c[4][j])) +
           kF1 * ((std::int32_t{p[1][j]} - c[1][j]) + (std::int32_t{p[3][j]} - c[3][j])) +
           kF2 * (std::int32_t{p[2][j]} - c[2][j]);
  }
};

template <class Ops, class T>
std::uint64_t sad(const Plane& prev, const Plane& cur, std::int32_t* row, int begin, int end) {
  using V = typename Ops::V;
  constexpr int N = Ops::N;
  const int w = prev.width, h = prev.height;
  const int shift_y = prev.bpc == 8 ? 8 : prev.bpc;
  const std::int32_t round_y = std::int32_t{1} << (shift_y - 1);
  const V f0 = Ops::set1(kF0), f1 = Ops::set1(kF1), f2 = Ops::set1(kF2);
  const V rnd_y = Ops::set1(round_y), rnd_h = Ops::set1(1 << 15), low8 = Ops::set1(255);
  std::uint64_t sad = 0;
  for (int i = begin; i < end; ++i) {
    const RowWindow<T> rows(prev, cur, i, h, end);
    V any = Ops::zero();
    int j = 0;
    for (; j + N <= w; j += N) {
      rows.prefetch(j);
      V d[5];
      for (int k = 0; k < 5; ++k) d[k] = Ops::sub(Ops::widen(rows.p[k] + j), Ops::widen(rows.c[k] + j));
      V acc = Ops::mullo(f0, Ops::add(d[0], d[4]));
      acc = Ops::add(acc, Ops::mullo(f1, Ops::add(d[1], d[3])));
      acc = Ops::add(acc, Ops::mullo(f2, d[2]));
      const V out = Ops::srai(Ops::add(acc, rnd_y), shift_y);
      Ops::store(row + j, out);
      any = Ops::or_(any, out);
    }
    std::int32_t any_tail = 0;
    for (; j < w; ++j) {
      row[j] = (rows.vertical_at(j) + round_y) >> shift_y;
      any_tail |= row[j];
    }
    if (!Ops::any_set(any) && !any_tail) continue;

    std::uint32_t row_sad = 0;
    const int edge = w < 2 ? w : 2;
    for (j = 0; j < edge; ++j) row_sad += static_cast<std::uint32_t>(std::abs(horizontal_at(row, j, w)));
    V acc_sad = Ops::zero();
    for (; j + 2 + N <= w; j += N) {
      V hi[5], lo[5];
      for (int k = 0; k < 5; ++k) {
        const V x = Ops::load(row + j - 2 + k);
        hi[k] = Ops::srai(x, 8);
        lo[k] = Ops::and_(x, low8);
      }
      V a = Ops::mullo(f0, Ops::add(hi[0], hi[4]));
      a = Ops::add(a, Ops::mullo(f1, Ops::add(hi[1], hi[3])));
      a = Ops::add(a, Ops::mullo(f2, hi[2]));
      V b = Ops::mullo(f0, Ops::add(lo[0], lo[4]));
      b = Ops::add(b, Ops::mullo(f1, Ops::add(lo[1], lo[3])));
      b = Ops::add(b, Ops::mullo(f2, lo[2]));
      const V v = Ops::srai(Ops::add(a, Ops::srai(Ops::add(b, rnd_h), 8)), 8);
      acc_sad = Ops::add(acc_sad, Ops::abs(v));
    }
    row_sad += Ops::sum_u32(acc_sad);
    for (; j < w; ++j) row_sad += static_cast<std::uint32_t>(std::abs(horizontal_at(row, j, w)));
    sad += row_sad;
  }
  return sad;
}

// 8-bit samples: differences and the sums of symmetric taps are int16, so
// both passes are int16 multiply-adds (taps 0 and 4 with 1 and 3, the centre
// with a zero partner). The unpacks leave the 32-bit results in an order that
// packing back to int16 undoes; the horizontal pass only sums them. The rows
// between the passes are kept as int16 halves: x = hi * 256 + lo.
inline constexpr std::int32_t pair16(std::int32_t lo, std::int32_t hi) {
  return static_cast<std::int32_t>((static_cast<std::uint32_t>(lo) & 0xFFFFu) | (static_cast<std::uint32_t>(hi) << 16));
}

inline std::int32_t horizontal_at16(const std::int16_t* hi, const std::int16_t* lo, int j, int w) {
  auto x = [&](int k) { return std::int32_t{hi[mirror(k, w)]} * 256 + lo[mirror(k, w)]; };
  const std::int64_t acc = std::int64_t{kF0} * (x(j - 2) + x(j + 2)) + std::int64_t{kF1} * (x(j - 1) + x(j + 1)) +
                           std::int64_t{kF2} * x(j);
  return static_cast<std::int32_t>((acc + (1 << 15)) >> 16);
}

template <class Ops>
std::uint64_t sad8(const Plane& prev, const Plane& cur, std::int32_t* scratch, int begin, int end) {
  using V = typename Ops::V;
  constexpr int W = 2 * Ops::N;  // int16 lanes
  const int w = prev.width, h = prev.height;
  // The int32 scratch row holds both int16 rows.
  auto* hi = reinterpret_cast<std::int16_t*>(scratch);
  std::int16_t* lo = hi + w;
  const V k01 = Ops::set1(pair16(kF0, kF1)), k2 = Ops::set1(pair16(kF2, 0)), zero = Ops::zero();
  const V rnd_y = Ops::set1(128), rnd_h = Ops::set1(1 << 15), low8 = Ops::set1(255);
  // f0 (x0 + x4) + f1 (x1 + x3) + f2 x2 for the two halves of W columns.
  const auto filter = [&](V s04, V s13, V s2, V& first, V& second) {
    first = Ops::add(Ops::madd(Ops::unpacklo16(s04, s13), k01), Ops::madd(Ops::unpacklo16(s2, zero), k2));
    second = Ops::add(Ops::madd(Ops::unpackhi16(s04, s13), k01), Ops::madd(Ops::unpackhi16(s2, zero), k2));
  };
  std::uint64_t sad = 0;
  for (int i = begin; i < end; ++i) {
    const RowWindow<std::uint8_t> rows(prev, cur, i, h, end);
    V any = zero;
    int j = 0;
    for (; j + W <= w; j += W) {
      rows.prefetch(j);
      V d[5];
      for (int k = 0; k < 5; ++k) d[k] = Ops::sub16(Ops::widen16(rows.p[k] + j), Ops::widen16(rows.c[k] + j));
      V a, b;
      filter(Ops::add16(d[0], d[4]), Ops::add16(d[1], d[3]), d[2], a, b);
      a = Ops::srai(Ops::add(a, rnd_y), 8);
      b = Ops::srai(Ops::add(b, rnd_y), 8);
      any = Ops::or_(any, Ops::or_(a, b));
      Ops::store16(hi + j, Ops::packs32(Ops::srai(a, 8), Ops::srai(b, 8)));
      Ops::store16(lo + j, Ops::packs32(Ops::and_(a, low8), Ops::and_(b, low8)));
    }
    std::int32_t any_tail = 0;
    for (; j < w; ++j) {
      const std::int32_t out = (rows.vertical_at(j) + 128) >> 8;
      hi[j] = static_cast<std::int16_t>(out >> 8);
      lo[j] = static_cast<std::int16_t>(out & 255);
      any_tail |= out;
    }
    if (!Ops::any_set(any) && !any_tail) continue;

    std::uint32_t row_sad = 0;
    const int edge = w < 2 ? w : 2;
    for (j = 0; j < edge; ++j) row_sad += static_cast<std::uint32_t>(std::abs(horizontal_at16(hi, lo, j, w)));
    V acc_sad = zero;
    for (; j + 2 + W <= w; j += W) {
      V xh[5], xl[5];
      for (int k = 0; k < 5; ++k) {
        xh[k] = Ops::load16(hi + j - 2 + k);
        xl[k] = Ops::load16(lo + j - 2 + k);
      }
      V a0, a1, b0, b1;
      filter(Ops::add16(xh[0], xh[4]), Ops::add16(xh[1], xh[3]), xh[2], a0, a1);
      filter(Ops::add16(xl[0], xl[4]), Ops::add16(xl[1], xl[3]), xl[2], b0, b1);
      const V v0 = Ops::srai(Ops::add(a0, Ops::srai(Ops::add(b0, rnd_h), 8)), 8);
      const V v1 = Ops::srai(Ops::add(a1, Ops::srai(Ops::add(b1, rnd_h), 8)), 8);
      acc_sad = Ops::add(acc_sad, Ops::add(Ops::abs(v0), Ops::abs(v1)));
    }
    row_sad += Ops::sum_u32(acc_sad);
    for (; j < w; ++j) row_sad += static_cast<std::uint32_t>(std::abs(horizontal_at16(hi, lo, j, w)));
    sad += row_sad;
  }
  return sad;
}

// 16-bit samples overflow the int32 vertical pass; those stay scalar.
template <class Ops>
std::uint64_t motion_sad(const Plane& prev, const Plane& cur, std::int32_t* row, int begin, int end,
                         MotionSadFn fallback) {
  if (prev.bpc == 8) return sad8<Ops>(prev, cur, row, begin, end);
  if (prev.bpc <= 15) return sad<Ops, std::uint16_t>(prev, cur, row, begin, end);
  return fallback(prev, cur, row, begin, end);
}

}  // namespace pvt::feature::kernels::motion_simd
