#pragma once
// The VIF kernels, written once over a vector ISA `I` (vif_avx2.cpp,
// vif_avx512_isa.hpp). Include only from files compiled for that ISA:
// everything here has internal linkage.
//
// A scale is processed row by row: a vertical pass writes the row's filtered
// moments as eight 16-bit planes (scratch, L1-resident), a horizontal pass
// filters them and accumulates the statistics of the row.
//
// Arithmetic. Every filter is a sum of 16-bit samples times 16-bit
// coefficients, two taps per 32-bit lane with a multiply-add of int16 pairs
// (dot_add). Those are signed, so a sample that may reach 2^15 is offset by
// -2^15 (xor 0x8000) and the sum corrected by 2^15 * 65536 = 2^31, the
// coefficients summing to 65536. Sums are kept modulo 2^32 where their value
// is known to fit. 32-bit quantities (squares, second moments) are split into
// 16-bit halves and filtered separately: sum(f v) = 65536 sum(f hi) +
// sum(f lo). So the integer results are exact, rounded where the scalar code
// rounds, and the double arithmetic of the statistics repeats the scalar
// operations in the same order (no FMA): the sums are bit-identical.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "../kernels/vif_kernels.hpp"

// Makes the optimizer forget a pointer's value, so what it points to is read
// from memory rather than folded back into constants. GCC and Clang: an empty
// asm that "changes" it; MSVC (no inline asm on x64): a volatile round trip.
#if defined(_MSC_VER) && !defined(__clang__)
#define PVT_OPAQUE_POINTER(p)              \
  do {                                     \
    auto* volatile pvt_opaque_copy_ = (p); \
    (p) = pvt_opaque_copy_;                \
  } while (0)
#else
#define PVT_OPAQUE_POINTER(p) asm("" : "+r"(p))
#endif

namespace pvt::feature::kernels {
namespace {

// Two neighbouring taps (rows or columns `first` and first + 1) for one madd;
// the coefficients are packed as the two words of an int32.
struct TapPair {
  int first;
  std::int32_t coeffs;
  bool has_second;
};

constexpr std::int32_t pack_coeffs(int a, int b) { return a | (b << 16); }

template <int S>
constexpr auto make_tap_pairs() {
  constexpr int taps = kVifTaps[S];
  if constexpr (S == 3) {
    // The centre coefficient of the 3-tap filter does not fit in int16: split
    // it between two overlapping pairs.
    static_assert(taps == 3 && kVifFilter[3][1] % 2 == 0);
    constexpr int c = kVifFilter[3][1] / 2;
    return std::array<TapPair, 2>{TapPair{0, pack_coeffs(kVifFilter[3][0], c), true},
                                  TapPair{1, pack_coeffs(c, kVifFilter[3][2]), true}};
  } else {
    std::array<TapPair, (taps + 1) / 2> pairs{};
    for (int q = 0; q < (taps + 1) / 2; ++q) {
      const bool second = 2 * q + 1 < taps;
      pairs[q] = {2 * q, pack_coeffs(kVifFilter[S][2 * q], second ? kVifFilter[S][2 * q + 1] : 0), second};
    }
    return pairs;
  }
}

template <int S>
constexpr auto kTapPairs = make_tap_pairs<S>();

// One load of the horizontal pass over columns p0 + offset + [0, kWords):
// 32-bit lane i holds columns p0 + offset + 2i and + 2i + 1, two taps of the
// filter at position p0 + 2i (coefficients `even`) and at p0 + 2i + 1
// (`odd`); 0: not used there.
struct SharedTaps {
  int offset;
  std::int32_t even, odd;
};

template <int S>
constexpr auto make_shared_taps() {
  constexpr int taps = kVifTaps[S], half = taps / 2;
  constexpr auto f = [](int t) { return t >= 0 && t < taps ? int{kVifFilter[S][t]} : 0; };
  if constexpr (S == 3) {
    constexpr int c = f(1) / 2;  // the centre tap, split as in make_tap_pairs
    return std::array<SharedTaps, 3>{SharedTaps{-1, pack_coeffs(f(0), c), 0},
                                     SharedTaps{0, pack_coeffs(c, f(2)), pack_coeffs(f(0), c)},
                                     SharedTaps{1, 0, pack_coeffs(c, f(2))}};
  } else {
    std::array<SharedTaps, half + 1> loads{};
    for (int q = 0; q <= half; ++q)
      loads[q] = {2 * q - half, pack_coeffs(f(2 * q), f(2 * q + 1)), pack_coeffs(f(2 * q - 1), f(2 * q))};
    return loads;
  }
}

template <int S>
constexpr auto kSharedTaps = make_shared_taps<S>();

constexpr bool coeffs_fit_int16() {
  for (int s = 0; s < 3; ++s)
    for (int t = 0; t < kVifTaps[s]; ++t)
      if (kVifFilter[s][t] >= 32768) return false;
  return true;
}
static_assert(coeffs_fit_int16(), "scales 0-2 pair their taps directly");

constexpr bool filters_symmetric() {
  for (int s = 0; s < 4; ++s)
    for (int t = 0; t < kVifTaps[s]; ++t)
      if (kVifFilter[s][t] != kVifFilter[s][kVifTaps[s] - 1 - t]) return false;
  return true;
}
static_assert(filters_symmetric(), "blur_vertical folds rows t and taps - 1 - t");

// vif_mirror_columns, repeated here so that no inline function is shared
// with code compiled for another ISA.
void mirror(std::uint16_t* row, int width, int half) {
  for (int i = 1; i <= half; ++i) {
    row[-i] = row[i];
    row[width - 1 + i] = row[width - 1 - i];
  }
}

constexpr std::int32_t kOffsetSum = INT32_MIN;  // 2^31 (mod 2^32): 2^15 offset times the filter sum

template <class I>
struct VifSimd {
  using V = typename I::V;    // kWords 16-bit / kLanes 32-bit lanes
  using Vh = typename I::Vh;  // half of V's 32-bit lanes
  using Vd = typename I::Vd;  // doubles, one per lane of a half
  using M = typename I::M;    // mask over the 32-bit lanes
  static constexpr int kWords = I::kWords;
  static constexpr int kLanes = kWords / 2;

  // ---------------------------------------------------------------------------
  // Scratch rows: 16-bit planes, offset by -2^15, mirrored at both ends, with
  // room for whole vectors past the end.
  enum Plane { kMu1, kMu2, kXxLo, kXxHi, kYyLo, kYyHi, kXyLo, kXyHi, kPlanes };

  static std::size_t plane_stride(int width) { return static_cast<std::size_t>((width + 63) / 64 * 64 + 128); }
  static std::uint16_t* plane(void* scratch, int width, int k) {
    return static_cast<std::uint16_t*>(scratch) + plane_stride(width) * static_cast<std::size_t>(k) + 64;
  }

  // Stores 32-bit lanes holding values below 2^16 (the two halves of a
  // chunk, from unpacklo / unpackhi) in column order, offset by -2^15.
  static void store_plane(std::uint16_t* dst, const V (&v)[2]) {
    I::store(dst, I::xor_(I::packus32(v[0], v[1]), I::set16(0x8000)));
  }
  // Stores full 32-bit lanes as two planes of 16-bit halves.
  static void store_split(std::uint16_t* lo, std::uint16_t* hi, const V (&v)[2]) {
    const V mask = I::set32(0xffff);
    const V l[2] = {I::and_(v[0], mask), I::and_(v[1], mask)};
    const V h[2] = {I::template srli32<16>(v[0]), I::template srli32<16>(v[1])};
    store_plane(lo, l);
    store_plane(hi, h);
  }

  // Interleaves the samples of two rows (or columns) for a madd.
  static V interleave(int h, V a, V b) { return h == 0 ? I::unpacklo16(a, b) : I::unpackhi16(a, b); }

  // Runs chunk(rows_ref, rows_dis, src_col, out_col) over the columns of a
  // row in steps of kWords. The last, partial step reads zero-padded copies,
  // so that no input row is read past its end.
  template <class T, class Chunk>
  static void for_each_chunk(const T* const* ref, const T* const* dis, int taps, int width, Chunk&& chunk) {
    int j0 = 0;
    for (; j0 + kWords <= width; j0 += kWords) chunk(ref, dis, j0, j0);
    if (j0 == width) return;
    alignas(64) T rbuf[17][kWords] = {}, dbuf[17][kWords] = {};
    const T* rp[17];
    const T* dp[17];
    const auto n = static_cast<std::size_t>(width - j0);
    for (int t = 0; t < taps; ++t) {
      std::memcpy(rbuf[t], ref[t] + j0, n * sizeof(T));
      std::memcpy(dbuf[t], dis[t] + j0, n * sizeof(T));
      rp[t] = rbuf[t];
      dp[t] = dbuf[t];
    }
    chunk(rp, dp, 0, j0);
  }

  // ---------------------------------------------------------------------------
  // Vertical moments. A pass computes those of a pair (Part::all), or in
  // ladder mode those of the reference alone (Part::ref: mu1, xx) or the
  // rest given the reference's (Part::pair: mu2, yy, xy).
  enum class Part { all, ref, pair };

  // The moments a vertical pass made for its part: the reference's (mu1, xx)
  // and/or the pair's (mu2, yy, xy).
  template <Part kPart>
  static void store_moments(std::uint16_t* const* out, std::ptrdiff_t out_col, const V (&mu1)[2],
                            const V (&mu2)[2], const V (&xx)[2], const V (&yy)[2], const V (&xy)[2]) {
    if constexpr (kPart != Part::pair) {
      store_plane(out[kMu1] + out_col, mu1);
      store_split(out[kXxLo] + out_col, out[kXxHi] + out_col, xx);
    }
    if constexpr (kPart != Part::ref) {
      store_plane(out[kMu2] + out_col, mu2);
      store_split(out[kYyLo] + out_col, out[kYyHi] + out_col, yy);
      store_split(out[kXyLo] + out_col, out[kXyHi] + out_col, xy);
    }
  }

  // Vertical moments of 8-bit samples (scale 0: mu_shift 8, sq_shift 0).
  // Samples are centred (r - 128) so that squares and products fit in int16;
  // the moments of r follow from those of r - 128. `sr` (two vectors) holds
  // the filtered sums of r - 128 that Part::ref writes and Part::pair reads.
  enum Moment8 { kR, kD, kRR, kDD, kRD, kMoments8 };

  template <Part kPart = Part::all>
  static void vertical_u8(const std::uint8_t* const* ref, const std::uint8_t* const* dis, std::ptrdiff_t col,
                          std::uint16_t* const* out, std::ptrdiff_t out_col, V* sr = nullptr) {
    constexpr bool kRef = kPart != Part::pair, kPair = kPart != Part::ref;
    V acc[kMoments8][2];
    for (auto& m : acc) m[0] = m[1] = I::zero();
#pragma GCC unroll 16
    for (const TapPair& tp : kTapPairs<0>) {
      const V f = I::set32(tp.coeffs);
      const V r0 = I::load_centred(ref[tp.first] + col);
      const V r1 = tp.has_second ? I::load_centred(ref[tp.first + 1] + col) : I::zero();
      V d0 = I::zero(), d1 = I::zero();
      if constexpr (kPair) {
        d0 = I::load_centred(dis[tp.first] + col);
        d1 = tp.has_second ? I::load_centred(dis[tp.first + 1] + col) : I::zero();
      }
#pragma GCC unroll 2
      for (int h = 0; h < 2; ++h) {
        const V r = interleave(h, r0, r1), d = interleave(h, d0, d1);
        if constexpr (kRef) acc[kR][h] = I::dot_add(acc[kR][h], r, f);
        if constexpr (kPair) acc[kD][h] = I::dot_add(acc[kD][h], d, f);
        if constexpr (kRef) acc[kRR][h] = I::dot_add(acc[kRR][h], I::mullo16(r, r), f);
        if constexpr (kPair) {
          acc[kDD][h] = I::dot_add(acc[kDD][h], I::mullo16(d, d), f);
          acc[kRD][h] = I::dot_add(acc[kRD][h], I::mullo16(r, d), f);
        }
      }
    }
    // With r = c + 128, d = e + 128 and sum(f) = 2^16: sum(f r) = sum(f c) + 2^23,
    // sum(f r^2) = sum(f c^2) + 2^8 sum(f c) + 2^30 and
    // sum(f r d) = sum(f c e) + 2^7 (sum(f c) + sum(f e)) + 2^30 (all below 2^32).
    const V round_mu = I::set32((1 << 23) + (1 << 7)), k30 = I::set32(1 << 30);
    V mu1[2], mu2[2], xx[2], yy[2], xy[2];
#pragma GCC unroll 16
    for (int h = 0; h < 2; ++h) {
      if constexpr (kPart == Part::pair) acc[kR][h] = I::load(sr + h);
      if constexpr (kPart == Part::ref) I::store(sr + h, acc[kR][h]);
      const V sr_h = acc[kR][h], sd = acc[kD][h];
      if constexpr (kRef) {
        mu1[h] = I::template srli32<8>(I::add32(sr_h, round_mu));
        xx[h] = I::add32(I::add32(acc[kRR][h], I::template slli32<8>(sr_h)), k30);
      }
      if constexpr (kPair) {
        mu2[h] = I::template srli32<8>(I::add32(sd, round_mu));
        yy[h] = I::add32(I::add32(acc[kDD][h], I::template slli32<8>(sd)), k30);
        xy[h] = I::add32(I::add32(acc[kRD][h], I::template slli32<7>(I::add32(sr_h, sd))), k30);
      }
    }
    store_moments<kPart>(out, out_col, mu1, mu2, xx, yy, xy);
  }

  // ---------------------------------------------------------------------------
  // Vertical moments of 16-bit samples. Squares and products are split into
  // 16-bit halves (mullo / mulhi). kWide: samples may reach 2^15, so they
  // and the high halves need the offset too. Otherwise the samples must be
  // below 2^mu_shift: `seen` collects the bits of the first and last tap
  // rows (together all rows of the plane) read by the pass for the caller
  // to check.
  enum Moment16 { kSr, kSd, kRRhi, kRRlo, kDDhi, kDDlo, kRDhi, kRDlo, kMoments16 };

  template <int S, bool kWide, Part kPart = Part::all>
  static void vertical_u16(const std::uint16_t* const* ref, const std::uint16_t* const* dis,
                           std::ptrdiff_t col, int mu_shift, int sq_shift, std::uint16_t* const* out,
                           std::ptrdiff_t out_col, V& seen) {
    constexpr bool kRef = kPart != Part::pair, kPair = kPart != Part::ref;
    const V offset = I::set16(0x8000);
    const auto signed_hi = [&](V v) { return kWide ? I::xor_(v, offset) : v; };
    V acc[kMoments16][2];
    for (auto& m : acc) m[0] = m[1] = I::zero();
#pragma GCC unroll 16
    for (const TapPair& tp : kTapPairs<S>) {
      const V f = I::set32(tp.coeffs);
      const V r0 = I::load(ref[tp.first] + col);
      const V r1 = tp.has_second ? I::load(ref[tp.first + 1] + col) : I::zero();
      V d0 = I::zero(), d1 = I::zero();
      if constexpr (kPair) {
        d0 = I::load(dis[tp.first] + col);
        d1 = tp.has_second ? I::load(dis[tp.first + 1] + col) : I::zero();
      }
      if (!kWide && (tp.first == 0 || tp.first == kVifTaps[S] - 1))
        seen = I::or_(seen, kPart == Part::all ? I::or_(r0, d0) : kRef ? r0 : d0);
#pragma GCC unroll 2
      for (int h = 0; h < 2; ++h) {
        const V r = interleave(h, r0, r1), d = interleave(h, d0, d1);
        if constexpr (kRef) acc[kSr][h] = I::dot_add(acc[kSr][h], signed_hi(r), f);
        if constexpr (kPair) acc[kSd][h] = I::dot_add(acc[kSd][h], signed_hi(d), f);
        if constexpr (kRef) {
          acc[kRRhi][h] = I::dot_add(acc[kRRhi][h], signed_hi(I::mulhi16(r, r)), f);
          acc[kRRlo][h] = I::dot_add(acc[kRRlo][h], I::xor_(I::mullo16(r, r), offset), f);
        }
        if constexpr (kPair) {
          acc[kDDhi][h] = I::dot_add(acc[kDDhi][h], signed_hi(I::mulhi16(d, d)), f);
          acc[kDDlo][h] = I::dot_add(acc[kDDlo][h], I::xor_(I::mullo16(d, d), offset), f);
          acc[kRDhi][h] = I::dot_add(acc[kRDhi][h], signed_hi(I::mulhi16(r, d)), f);
          acc[kRDlo][h] = I::dot_add(acc[kRDlo][h], I::xor_(I::mullo16(r, d), offset), f);
        }
      }
    }
    const std::int32_t hi_offset = kWide ? kOffsetSum : 0;
    const V round_mu = I::set32(hi_offset + (1 << (mu_shift - 1)));
    const V hi_fix = I::set32(hi_offset);
    const V round_lo = I::set32(kOffsetSum + (sq_shift > 0 ? 1 << (sq_shift - 1) : 0));
    // (65536 hi + lo + round) >> s == (hi << (16 - s)) + ((lo + round) >> s), lo < 2^32 - 2^16.
    const auto moment = [&](V hi, V lo) {
      return I::add32(I::sll32(I::add32(hi, hi_fix), 16 - sq_shift), I::srl32(I::add32(lo, round_lo), sq_shift));
    };
    V mu1[2], mu2[2], xx[2], yy[2], xy[2];
#pragma GCC unroll 16
    for (int h = 0; h < 2; ++h) {
      if constexpr (kRef) {
        mu1[h] = I::srl32(I::add32(acc[kSr][h], round_mu), mu_shift);
        xx[h] = moment(acc[kRRhi][h], acc[kRRlo][h]);
      }
      if constexpr (kPair) {
        mu2[h] = I::srl32(I::add32(acc[kSd][h], round_mu), mu_shift);
        yy[h] = moment(acc[kDDhi][h], acc[kDDlo][h]);
        xy[h] = moment(acc[kRDhi][h], acc[kRDlo][h]);
      }
    }
    store_moments<kPart>(out, out_col, mu1, mu2, xx, yy, xy);
  }

  // ---------------------------------------------------------------------------
  // Statistics of one row.
  struct Accum {
    V num_lin = I::zero();  // 64-bit lanes
    V num_log = I::zero();  // 32-bit lanes, flushed every row
    V den_log = I::zero();  // 32-bit lanes, flushed every row
    std::int64_t den_lin = 0;
    std::int64_t num_log_total = 0;
    std::int64_t den_log_total = 0;

    void flush_row() {
      num_log_total += I::sum32(num_log);
      den_log_total += I::sum32(den_log);
      num_log = den_log = I::zero();
    }
  };

  // (a * b + 2^31) >> 32 per unsigned 32-bit lane.
  static V mul_hi_round(V a, V b) {
    const V round = I::set64(std::int64_t{1} << 31);
    const V even = I::add64(I::mul_epu32(a, b), round);
    const V odd = I::add64(I::mul_epu32(I::template srli64<32>(a), I::template srli64<32>(b)), round);
    return I::blend_odd32(I::template srli64<32>(even), odd);
  }

  // Second moment from the filtered high and low halves, rounded by 16 bits.
  static V moment(V hi, V lo) { return I::add32(hi, I::template srli32<16>(I::add32(lo, I::set32(1 << 15)))); }

  // The table entry of the 16 leading bits of v (index in the low 16 bits of
  // `key`) plus 2048 times floor(log2(v)) (the high 16 bits): log2(v) with 11
  // fractional bits, plus 2048 * 15.
  static V log2_from_key(const std::uint16_t* table, V key) {
    const V entry = I::lookup(table, I::and_(key, I::set32(0xffff)));
    return I::add32(entry, I::template slli32<11>(I::template srai32<16>(key)));
  }

  // Keys of 32-bit lanes v >= 2^15: floor(log2(v)) from the exponent of
  // (v >> 8) as a float (exact: below 2^24).
  static V log2_key32(V v) {
    const V e = I::sub32(I::template srli32<23>(I::float_bits(I::template srli32<8>(v))), I::set32(127 - 8));
    return I::or_(I::srlv32(v, I::sub32(e, I::set32(15))), I::template slli32<16>(e));
  }

  // Keys of positive integer-valued doubles below 2^53 (exactly
  // representable), as 32-bit lanes of one half.
  static Vh log2_key64(Vd x) {
    const V bits = I::bits(x);
    const V idx = I::or_(I::and_(I::template srli64<37>(bits), I::set64(0x7fff)), I::set64(0x8000));
    const V e = I::sub64(I::template srli64<52>(bits), I::set64(1023));
    return I::narrow64(I::or_(idx, I::template slli64<16>(e)));
  }

  // Noise and total energies of the lanes of half `h` (the numerator is
  // log2(total) - log2(noise)); the double arithmetic of vif_accumulate.
  template <int h>
  static void gain_half(V s1, V s2, V s12, double gain_limit, Vh& noise, Vh& total_key) {
    const Vd s1d = I::cvt_pd(I::template half<h>(s1));
    const Vd s2d = I::cvt_pd(I::template half<h>(s2));
    const Vd s12d = I::cvt_pd(I::template half<h>(s12));
    Vd g = I::div_pd(s12d, I::add_pd(s1d, I::set_pd(kVifEps)));
    const Vh sv = I::max32h(I::cvtt_i32(I::sub_pd(s2d, I::mul_pd(g, s12d))), I::zero_h());
    g = I::min_pd(g, I::set_pd(gain_limit));  // g < limit ? g : limit, as the scalar code
    noise = I::add32h(sv, I::set32h(kVifNoise));
    total_key = log2_key64(I::add_pd(I::trunc_pd(I::mul_pd(I::mul_pd(g, g), s1d)), I::cvt_pd(noise)));
  }

  // The reference's local variance from the horizontal sums of its planes.
  static V sigma1_sq(V mu1, V xx_hi, V xx_lo) { return I::sub32(moment(xx_hi, xx_lo), mul_hi_round(mu1, mu1)); }

  // Accumulates the denominator of the positions of one vector, which
  // depends on the reference alone; `valid`: the lanes inside the row.
  static void statistics_den(V s1, M valid, const std::uint16_t* table, Accum& acc) {
    const M low = I::lt32(s1, I::set32(kVifNoise));
    acc.den_lin += I::count(I::mand(valid, low));
    // log2(noise + s1) - 17 = table part + 2048 * (floor(log2) - 15) - 2048 * 17.
    const V den = log2_from_key(table, log2_key32(I::add32(s1, I::set32(kVifNoise))));
    acc.den_log = I::mask_add32(acc.den_log, I::mandnot(low, valid), I::sub32(den, I::set32(2048 * 32)));
  }

  // ... and the numerator, from the reference's mean and variance and the
  // horizontal sums of the pair's planes (`s`: kMu2, kYy*, kXy* are read).
  static void statistics_num(V mu1, V s1, const V (&s)[kPlanes], M valid, double gain_limit,
                             const std::uint16_t* table, Accum& acc) {
    const V zero = I::zero();
    const V s2 = I::max32(I::sub32(moment(s[kYyHi], s[kYyLo]), mul_hi_round(s[kMu2], s[kMu2])), zero);
    const V s12 = I::sub32(moment(s[kXyHi], s[kXyLo]), mul_hi_round(mu1, s[kMu2]));

    const M low = I::lt32(s1, I::set32(kVifNoise));
    const M lin = I::mand(valid, low);
    const M logs = I::mandnot(low, valid);
    const V lin_s2 = I::masked32(lin, s2);
    acc.num_lin = I::add64(acc.num_lin, I::add64(I::and_(lin_s2, I::set64(0xffffffff)),
                                                 I::template srli64<32>(lin_s2)));

    const M num = I::mand(logs, I::mand(I::gt32(s12, zero), I::gt32(s2, zero)));
    if (I::none(num)) return;
    Vh noise[2], total_key[2];
    gain_half<0>(s1, s2, s12, gain_limit, noise[0], total_key[0]);
    gain_half<1>(s1, s2, s12, gain_limit, noise[1], total_key[1]);
    const V total_log = log2_from_key(table, I::combine(total_key[0], total_key[1]));
    const V noise_log = log2_from_key(table, log2_key32(I::combine(noise[0], noise[1])));
    acc.num_log = I::mask_add32(acc.num_log, num, I::sub32(total_log, noise_log));
  }

  // Accumulates the positions of one vector; `s` holds the horizontal sums
  // of the planes (offset removed), `valid` the lanes inside the row.
  static void statistics(const V (&s)[kPlanes], M valid, double gain_limit, const std::uint16_t* table,
                         Accum& acc) {
    const V s1 = sigma1_sq(s[kMu1], s[kXxHi], s[kXxLo]);
    statistics_den(s1, valid, table, acc);
    statistics_num(s[kMu1], s1, s, valid, gain_limit, table, acc);
  }

  // Horizontal sums of the even and odd positions of chunk p0 of the planes
  // `ks` (into even[k], odd[k]), each load feeding an even and an odd position.
  template <int S, std::size_t N>
  static void filter_planes(std::uint16_t* const* planes, const std::array<int, N>& ks, int p0,
                            const SharedTaps* taps, V (&even)[kPlanes], V (&odd)[kPlanes]) {
    const V fix = I::set32(kOffsetSum);
    for (int k : ks) {
      const std::uint16_t* src = planes[k] + p0;
      V e = fix, o = fix;
#pragma GCC unroll 16
      for (std::size_t q = 0; q < kSharedTaps<S>.size(); ++q) {
        const SharedTaps& st = kSharedTaps<S>[q];
        const V x = I::load(src + st.offset);
        if (st.even) e = I::dot_add(e, x, I::set32(taps[q].even));
        if (st.odd) o = I::dot_add(o, x, I::set32(taps[q].odd));
      }
      even[k] = e;
      odd[k] = o;
    }
  }

  // Horizontal pass over the mirrored planes of one row, a chunk of kWords
  // positions at a time: each load feeds the even and the odd positions.
  template <int S>
  static void horizontal(std::uint16_t* const* planes, int width, double gain_limit,
                         const std::uint16_t* table, Accum& acc) {
    // The coefficients are read from memory, so that each multiply-add
    // broadcasts its own operand: as constants, those that find no register
    // take a broadcast instruction each, in the innermost loop.
    const SharedTaps* taps = kSharedTaps<S>.data();
    PVT_OPAQUE_POINTER(taps);  // not folded back into constants
    for (int p0 = 0; p0 < width; p0 += kWords) {
      V even[kPlanes], odd[kPlanes];
      filter_planes<S>(planes, std::array<int, kPlanes>{0, 1, 2, 3, 4, 5, 6, 7}, p0, taps, even, odd);
      const int n = width - p0;
      statistics(even, I::first_lanes((n + 1) / 2), gain_limit, table, acc);
      statistics(odd, I::first_lanes(n / 2), gain_limit, table, acc);
    }
    acc.flush_row();
  }

  // False (and `sums` untouched) if 16-bit samples that should be below
  // 2^mu_shift (not kWide) are not.
  template <int S, class T, bool kWide>
  static bool stats_scale(const T* const* ref_rows, const T* const* dis_rows, const VifStatsParams& p,
                          VifSums& sums) {
    constexpr int taps = kVifTaps[S], half = taps / 2;
    std::uint16_t* planes[kPlanes];
    for (int k = 0; k < kPlanes; ++k) planes[k] = plane(p.scratch, p.width, k);
    Accum acc;
    V seen = I::zero();
    for (int i = 0; i < p.height; ++i) {
      for_each_chunk(ref_rows + i - half, dis_rows + i - half, taps, p.width,
                     [&](const T* const* r, const T* const* d, std::ptrdiff_t col, std::ptrdiff_t out_col) {
                       if constexpr (sizeof(T) == 1)
                         vertical_u8(r, d, col, planes, out_col);
                       else
                         vertical_u16<S, kWide>(r, d, col, p.mu_shift, p.sq_shift, planes, out_col, seen);
                     });
      for (auto* row : planes) mirror(row, p.width, half);
      horizontal<S>(planes, p.width, p.gain_limit, p.log2_table, acc);
    }
    if (!I::none16(I::and_(seen, I::set16(static_cast<int>(0xffffu << p.mu_shift & 0xffffu))))) return false;
    sums.num_log += acc.num_log_total;
    sums.den_log += acc.den_log_total;
    sums.num_lin += I::sum64(acc.num_lin);
    sums.den_lin += acc.den_lin;
    return true;
  }

  // ---------------------------------------------------------------------------
  // Ladder mode: a row's reference part once (its vertical moments mu1 and
  // xx, then each position's filtered mean and variance and the
  // denominator), then each pair's part (mu2, yy, xy and the numerator). The
  // same arithmetic as the passes above, split by what each term reads.

  // The reference's part of a row's statistics: each position's filtered
  // mean and variance into `terms` (four vectors a chunk: even mean and
  // variance, odd mean and variance) and the denominator into `acc`.
  template <int S>
  static void horizontal_ref(std::uint16_t* const* planes, int width, V* terms, const std::uint16_t* table,
                             Accum& acc) {
    const SharedTaps* taps = kSharedTaps<S>.data();
    PVT_OPAQUE_POINTER(taps);  // as in horizontal()
    for (int p0 = 0; p0 < width; p0 += kWords, terms += 4) {
      V even[kPlanes], odd[kPlanes];
      filter_planes<S>(planes, std::array<int, 3>{kMu1, kXxLo, kXxHi}, p0, taps, even, odd);
      const int n = width - p0;
      const V s1_even = sigma1_sq(even[kMu1], even[kXxHi], even[kXxLo]);
      const V s1_odd = sigma1_sq(odd[kMu1], odd[kXxHi], odd[kXxLo]);
      I::store(terms, even[kMu1]);
      I::store(terms + 1, s1_even);
      I::store(terms + 2, odd[kMu1]);
      I::store(terms + 3, s1_odd);
      statistics_den(s1_even, I::first_lanes((n + 1) / 2), table, acc);
      statistics_den(s1_odd, I::first_lanes(n / 2), table, acc);
    }
    acc.flush_row();
  }

  // A pair's part, reading horizontal_ref()'s terms.
  template <int S>
  static void horizontal_pair(std::uint16_t* const* planes, int width, const V* terms, double gain_limit,
                              const std::uint16_t* table, Accum& acc) {
    const SharedTaps* taps = kSharedTaps<S>.data();
    PVT_OPAQUE_POINTER(taps);
    for (int p0 = 0; p0 < width; p0 += kWords, terms += 4) {
      V even[kPlanes], odd[kPlanes];
      filter_planes<S>(planes, std::array<int, 5>{kMu2, kYyLo, kYyHi, kXyLo, kXyHi}, p0, taps, even, odd);
      const int n = width - p0;
      statistics_num(I::load(terms), I::load(terms + 1), even, I::first_lanes((n + 1) / 2), gain_limit, table, acc);
      statistics_num(I::load(terms + 2), I::load(terms + 3), odd, I::first_lanes(n / 2), gain_limit, table, acc);
    }
    acc.flush_row();
  }

  // The ladder statistics of one scale (VifLadderStats*Fn). An encode whose
  // 16-bit samples are not below 2^mu_shift (not kWide), or all of them when
  // the reference's are not, take the scalar code.
  template <int S, class T, bool kWide>
  static void ladder_stats_scale(const T* const* ref_rows, const T* const* const* dis_rows, int n,
                                 const VifStatsParams& p, VifSums* sums) {
    constexpr int taps = kVifTaps[S], half = taps / 2;
    std::uint16_t* planes[kPlanes];
    for (int k = 0; k < kPlanes; ++k) planes[k] = plane(p.scratch, p.width, k);
    // After the planes (64-byte aligned): the reference's raw vertical sums
    // (two vectors a chunk) and its terms (four vectors a chunk);
    // vif_ladder_scratch_bytes() leaves room for both.
    const int chunks = (p.width + kWords - 1) / kWords;
    V* sr = reinterpret_cast<V*>(static_cast<std::byte*>(p.scratch) +
                                 kPlanes * plane_stride(p.width) * sizeof(std::uint16_t));
    V* terms = sr + 2 * chunks;
    // The reference's denominator and `seen` bits, and each pair's.
    struct Sums {
      Accum acc;
      V seen = I::zero();
    };
    Sums den;
    std::vector<Sums> num(static_cast<std::size_t>(n));
    for (int i = 0; i < p.height; ++i) {
      const T* const* r = ref_rows + i - half;
      for_each_chunk(r, r, taps, p.width,
                     [&](const T* const* rr, const T* const*, std::ptrdiff_t col, std::ptrdiff_t out_col) {
                       if constexpr (sizeof(T) == 1)
                         vertical_u8<Part::ref>(rr, rr, col, planes, out_col, sr + out_col / kWords * 2);
                       else
                         vertical_u16<S, kWide, Part::ref>(rr, rr, col, p.mu_shift, p.sq_shift, planes, out_col,
                                                           den.seen);
                     });
      for (int k : {kMu1, kXxLo, kXxHi}) mirror(planes[k], p.width, half);
      horizontal_ref<S>(planes, p.width, terms, p.log2_table, den.acc);
      for (int e = 0; e < n; ++e) {
        for_each_chunk(r, dis_rows[e] + i - half, taps, p.width,
                       [&](const T* const* rr, const T* const* dd, std::ptrdiff_t col, std::ptrdiff_t out_col) {
                         if constexpr (sizeof(T) == 1)
                           vertical_u8<Part::pair>(rr, dd, col, planes, out_col, sr + out_col / kWords * 2);
                         else
                           vertical_u16<S, kWide, Part::pair>(rr, dd, col, p.mu_shift, p.sq_shift, planes, out_col,
                                                              num[e].seen);
                       });
        for (int k : {kMu2, kYyLo, kYyHi, kXyLo, kXyHi}) mirror(planes[k], p.width, half);
        horizontal_pair<S>(planes, p.width, terms, p.gain_limit, p.log2_table, num[e].acc);
      }
    }
    const V high = I::set16(static_cast<int>(0xffffu << p.mu_shift & 0xffffu));
    const bool ref_ok = I::none16(I::and_(den.seen, high));
    for (int e = 0; e < n; ++e) {
      if constexpr (sizeof(T) == 2)
        if (!ref_ok || !I::none16(I::and_(num[e].seen, high))) {
          vif_stats_u16_scalar(ref_rows, dis_rows[e], p, sums[e]);
          continue;
        }
      sums[e].num_log += num[e].acc.num_log_total;
      sums[e].den_log += den.acc.den_log_total;
      sums[e].num_lin += I::sum64(num[e].acc.num_lin);
      sums[e].den_lin += den.acc.den_lin;
    }
  }

  // ---------------------------------------------------------------------------
  // Downscaling.

  // Vertical low-pass of one chunk into offset planes (pointers at the chunk).
  template <int S, class T, bool kWide>
  static void blur_vertical(const T* const* ref, const T* const* dis, std::ptrdiff_t col, int shift,
                            std::uint16_t* ref_out, std::uint16_t* dis_out) {
    const V offset = I::set16(0x8000);
    const auto to_signed = [&](V v) { return kWide ? I::xor_(v, offset) : v; };
    V ar[2] = {I::zero(), I::zero()}, ad[2] = {I::zero(), I::zero()};
    if constexpr (sizeof(T) == 1 && S < 3) {
      // Symmetric taps: rows t and taps - 1 - t share a coefficient, and two
      // 8-bit samples sum exactly in 16 bits, so each madd covers four rows.
      constexpr int taps = kVifTaps[S], half = taps / 2;
      const auto folded = [&](const T* const* rows, int t) {
        return t == half ? I::load_words(rows[half] + col)
                         : I::add16(I::load_words(rows[t] + col), I::load_words(rows[taps - 1 - t] + col));
      };
#pragma GCC unroll 16
      for (int t = 0; t <= half; t += 2) {
        const bool second = t + 1 <= half;
        const V f = I::set32(pack_coeffs(kVifFilter[S][t], second ? kVifFilter[S][t + 1] : 0));
        const V r0 = folded(ref, t), d0 = folded(dis, t);
        const V r1 = second ? folded(ref, t + 1) : I::zero(), d1 = second ? folded(dis, t + 1) : I::zero();
#pragma GCC unroll 16
        for (int h = 0; h < 2; ++h) {
          ar[h] = I::dot_add(ar[h], interleave(h, r0, r1), f);
          ad[h] = I::dot_add(ad[h], interleave(h, d0, d1), f);
        }
      }
    } else {
#pragma GCC unroll 16
      for (const TapPair& tp : kTapPairs<S>) {
        const V f = I::set32(tp.coeffs);
        const V r0 = I::load_words(ref[tp.first] + col), d0 = I::load_words(dis[tp.first] + col);
        const V r1 = tp.has_second ? I::load_words(ref[tp.first + 1] + col) : I::zero();
        const V d1 = tp.has_second ? I::load_words(dis[tp.first + 1] + col) : I::zero();
#pragma GCC unroll 16
        for (int h = 0; h < 2; ++h) {
          ar[h] = I::dot_add(ar[h], to_signed(interleave(h, r0, r1)), f);
          ad[h] = I::dot_add(ad[h], to_signed(interleave(h, d0, d1)), f);
        }
      }
    }
    // Kept to 16 bits as the scalar code stores them: 8-bit samples never
    // exceed them, 16-bit ones only when beyond 2^bpc (invalid input).
    const V round = I::set32((kWide ? kOffsetSum : 0) + (1 << (shift - 1)));
    const V low16 = I::set32(sizeof(T) == 1 ? -1 : 0xffff);
#pragma GCC unroll 16
    for (int h = 0; h < 2; ++h) {
      ar[h] = I::and_(I::srl32(I::add32(ar[h], round), shift), low16);
      ad[h] = I::and_(I::srl32(I::add32(ad[h], round), shift), low16);
    }
    store_plane(ref_out, ar);
    store_plane(dis_out, ad);
  }

  // Horizontal low-pass of an offset, mirrored plane at its even columns.
  template <int S>
  static void blur_horizontal(const std::uint16_t* in, int out_width, std::uint16_t* out) {
    constexpr int half = kVifTaps[S] / 2;
    const V round = I::set32(kOffsetSum + (1 << 15));
    for (int k0 = 0; k0 < out_width; k0 += kLanes) {
      const std::uint16_t* src = in + 2 * k0 - half;
      V acc = round;
#pragma GCC unroll 16
      for (const TapPair& tp : kTapPairs<S>) acc = I::dot_add(acc, I::load(src + tp.first), I::set32(tp.coeffs));
      I::store_words(out + k0, I::narrow16(I::template srli32<16>(acc)), out_width - k0);
    }
  }

  template <int S, class T, bool kWide>
  static void downscale_scale(const T* const* ref_rows, const T* const* dis_rows, const VifDownscaleParams& p,
                              std::uint16_t* ref_out, std::uint16_t* dis_out) {
    constexpr int taps = kVifTaps[S], half = taps / 2;
    std::uint16_t* rb = plane(p.scratch, p.src_width, 0);
    std::uint16_t* db = plane(p.scratch, p.src_width, 1);
    for (int i = 0; i < p.height; ++i) {
      // The next output row reads two rows this one does not: fetch them
      // while this one computes (the source is mostly beyond L2).
      const bool more = i + 1 < p.height;
      const T* next_r[2] = {nullptr, nullptr};
      const T* next_d[2] = {nullptr, nullptr};
      for (int k = 0; more && k < 2; ++k) {
        next_r[k] = ref_rows[2 * i - half + taps + k];
        next_d[k] = dis_rows[2 * i - half + taps + k];
      }
      for_each_chunk(ref_rows + 2 * i - half, dis_rows + 2 * i - half, taps, p.src_width,
                     [&](const T* const* r, const T* const* d, std::ptrdiff_t col, std::ptrdiff_t out_col) {
                       if (more && col == out_col)
                         for (int k = 0; k < 2; ++k) {
                           I::prefetch(next_r[k] + col);
                           I::prefetch(next_d[k] + col);
                         }
                       blur_vertical<S, T, kWide>(r, d, col, p.shift, rb + out_col, db + out_col);
                     });
      mirror(rb, p.src_width, half);
      mirror(db, p.src_width, half);
      const auto offset = static_cast<std::size_t>(i) * static_cast<std::size_t>(p.width);
      blur_horizontal<S>(rb, p.width, ref_out + offset);
      blur_horizontal<S>(db, p.width, dis_out + offset);
    }
  }

  // ---------------------------------------------------------------------------
  // Entry points: the cases the SIMD code covers, else the scalar reference.

  static void stats_u8(const std::uint8_t* const* ref, const std::uint8_t* const* dis, const VifStatsParams& p,
                       VifSums& sums) {
    if (p.scale != 0 || p.mu_shift != 8 || p.sq_shift != 0) return vif_stats_u8_scalar(ref, dis, p, sums);
    stats_scale<0, std::uint8_t, false>(ref, dis, p, sums);  // 8-bit samples are always in range
  }

  static void stats_u16(const std::uint16_t* const* ref, const std::uint16_t* const* dis, const VifStatsParams& p,
                        VifSums& sums) {
    using T = std::uint16_t;
    if (p.mu_shift < 1 || p.mu_shift > 16 || p.sq_shift < 0 || p.sq_shift > 16)
      return vif_stats_u16_scalar(ref, dis, p, sums);
    // Samples beyond 2^bpc are invalid input, but they take the scalar code
    // rather than give an ISA-dependent result.
    if (p.scale == 0 && p.sample_bits <= 15) {
      if (!stats_scale<0, T, false>(ref, dis, p, sums)) vif_stats_u16_scalar(ref, dis, p, sums);
      return;
    }
    switch (p.scale) {
      case 0: stats_scale<0, T, true>(ref, dis, p, sums); return;
      case 1: stats_scale<1, T, true>(ref, dis, p, sums); return;
      case 2: stats_scale<2, T, true>(ref, dis, p, sums); return;
      default: stats_scale<3, T, true>(ref, dis, p, sums); return;
    }
  }

  static void downscale_u8(const std::uint8_t* const* ref, const std::uint8_t* const* dis,
                           const VifDownscaleParams& p, std::uint16_t* ref_out, std::uint16_t* dis_out) {
    if (p.scale != 1 || p.shift < 1 || p.shift > 16) return vif_downscale_u8_scalar(ref, dis, p, ref_out, dis_out);
    downscale_scale<1, std::uint8_t, false>(ref, dis, p, ref_out, dis_out);
  }

  static void downscale_u16(const std::uint16_t* const* ref, const std::uint16_t* const* dis,
                            const VifDownscaleParams& p, std::uint16_t* ref_out, std::uint16_t* dis_out) {
    using T = std::uint16_t;
    if (p.shift < 1 || p.shift > 16) return vif_downscale_u16_scalar(ref, dis, p, ref_out, dis_out);
    switch (p.scale) {
      case 1: return downscale_scale<1, T, true>(ref, dis, p, ref_out, dis_out);
      case 2: return downscale_scale<2, T, true>(ref, dis, p, ref_out, dis_out);
      default: return downscale_scale<3, T, true>(ref, dis, p, ref_out, dis_out);
    }
  }

  static void ladder_stats_u8(const std::uint8_t* const* ref, const std::uint8_t* const* const* dis, int n,
                              const VifStatsParams& p, VifSums* sums) {
    if (p.scale != 0 || p.mu_shift != 8 || p.sq_shift != 0) return vif_ladder_stats_u8_scalar(ref, dis, n, p, sums);
    ladder_stats_scale<0, std::uint8_t, false>(ref, dis, n, p, sums);
  }

  static void ladder_stats_u16(const std::uint16_t* const* ref, const std::uint16_t* const* const* dis, int n,
                               const VifStatsParams& p, VifSums* sums) {
    using T = std::uint16_t;
    if (p.mu_shift < 1 || p.mu_shift > 16 || p.sq_shift < 0 || p.sq_shift > 16)
      return vif_ladder_stats_u16_scalar(ref, dis, n, p, sums);
    if (p.scale == 0 && p.sample_bits <= 15) return ladder_stats_scale<0, T, false>(ref, dis, n, p, sums);
    switch (p.scale) {
      case 0: return ladder_stats_scale<0, T, true>(ref, dis, n, p, sums);
      case 1: return ladder_stats_scale<1, T, true>(ref, dis, n, p, sums);
      case 2: return ladder_stats_scale<2, T, true>(ref, dis, n, p, sums);
      default: return ladder_stats_scale<3, T, true>(ref, dis, n, p, sums);
    }
  }

  static VifKernels kernels() {
    return {stats_u8, stats_u16, downscale_u8, downscale_u16, ladder_stats_u8, ladder_stats_u16};
  }
};

}  // namespace
}  // namespace pvt::feature::kernels
