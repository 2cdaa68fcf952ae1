#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <numbers>
#include <type_traits>

#include "../../common/exact_math.hpp"
#include "adm_kernels.hpp"
#include "pyvmaf_tiny/cpu.hpp"
#ifdef PVT_HAVE_X86_KERNELS
#include "../x86/adm_x86.hpp"
#endif
#ifdef PVT_HAVE_NEON_KERNELS
#include "../arm/neon_kernels.hpp"
#endif

namespace pvt::feature::kernels {
namespace {

using std::int16_t;
using std::int32_t;
using std::int64_t;
using std::uint16_t;
using std::uint32_t;
using std::uint64_t;

constexpr const int32_t (&kLo)[4] = kAdmFilterLo;
constexpr const int32_t (&kHi)[4] = kAdmFilterHi;
constexpr int32_t kLoSum = 46342;

// Wrapping int32 arithmetic, the way the fixed-point reference behaves.
inline int32_t wrap_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
inline int32_t wrap_sub(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
}
inline int32_t wrap_shl(int32_t a, int s) { return static_cast<int32_t>(static_cast<uint32_t>(a) << s); }
inline uint32_t abs32(int32_t a) { return a < 0 ? 0u - static_cast<uint32_t>(a) : static_cast<uint32_t>(a); }
inline int64_t round_add(int shift) { return shift > 0 ? int64_t{1} << (shift - 1) : 0; }

// ---------------------------------------------------------------- DWT

template <class T>
void dwt0_impl(const Plane& src, const AdmDwtTaps& taps, int16_t* tmp, int32_t* approx,
               AdmDetail<int16_t> out, std::ptrdiff_t stride) {
  // Wide enough for 16-bit samples times the taps; 8-bit fits int32.
  using Acc = std::conditional_t<sizeof(T) == 1, int32_t, int64_t>;
  const int vshift = src.bpc;
  const Acc vround = Acc{1} << (vshift - 1);
  const Acc centre = Acc{kLoSum} * vround;  // moves samples from [0, N) to [-N/2, N/2)
  int16_t* lo = tmp;
  int16_t* hi = tmp + taps.in_w;

  for (int k = 0; k < taps.out_h; ++k) {
    const int* r = taps.rows + 4 * k;
    const T* s0 = src.row<T>(r[0]);
    const T* s1 = src.row<T>(r[1]);
    const T* s2 = src.row<T>(r[2]);
    const T* s3 = src.row<T>(r[3]);
    for (int j = 0; j < taps.in_w; ++j) {
      const Acc a = s0[j], b = s1[j], c = s2[j], d = s3[j];
      const Acc l = kLo[0] * a + kLo[1] * b + kLo[2] * c + kLo[3] * d - centre;
      const Acc h = kHi[0] * a + kHi[1] * b + kHi[2] * c + kHi[3] * d;
      lo[j] = static_cast<int16_t>((l + vround) >> vshift);
      hi[j] = static_cast<int16_t>((h + vround) >> vshift);
    }
    const std::ptrdiff_t o = k * stride;
    for (int j = 0; j < taps.out_w; ++j) {
      const int* c = taps.cols + 4 * j;
      const int32_t l0 = lo[c[0]], l1 = lo[c[1]], l2 = lo[c[2]], l3 = lo[c[3]];
      const int32_t h0 = hi[c[0]], h1 = hi[c[1]], h2 = hi[c[2]], h3 = hi[c[3]];
      const int32_t ll = kLo[0] * l0 + kLo[1] * l1 + kLo[2] * l2 + kLo[3] * l3;
      const int32_t lh = kHi[0] * l0 + kHi[1] * l1 + kHi[2] * l2 + kHi[3] * l3;
      const int32_t hl = kLo[0] * h0 + kLo[1] * h1 + kLo[2] * h2 + kLo[3] * h3;
      const int32_t hh = kHi[0] * h0 + kHi[1] * h1 + kHi[2] * h2 + kHi[3] * h3;
      approx[o + j] = static_cast<int16_t>((ll + 32768) >> 16);
      out.v[o + j] = static_cast<int16_t>((lh + 32768) >> 16);
      out.h[o + j] = static_cast<int16_t>((hl + 32768) >> 16);
      out.d[o + j] = static_cast<int16_t>((hh + 32768) >> 16);
    }
  }
}

// The approximation band alone. Acc is int32 where the vertical sums fit it
// (8-bit samples), so that the compiler can vectorise the passes;
// columns whose taps are the plain 2j - 1 .. 2j + 2 skip the tap table.
template <class T, class Acc, class Out>
void dwt0_approx_impl(const Plane& src, const AdmDwtTaps& taps, int16_t* tmp, Out* approx, std::ptrdiff_t stride) {
  const int vshift = src.bpc;
  const Acc vround = Acc{1} << (vshift - 1);
  const Acc centre = Acc{kLoSum} * vround;
  // The plain columns: one contiguous run [plain_begin, plain_end).
  int plain_begin = taps.out_w, plain_end = taps.out_w;
  for (int j = 0; j < taps.out_w; ++j) {
    const int* c = taps.cols + 4 * j;
    const bool plain = c[0] == 2 * j - 1 && c[1] == 2 * j && c[2] == 2 * j + 1 && c[3] == 2 * j + 2;
    if (plain && plain_begin == taps.out_w) plain_begin = j;
    if (!plain && plain_begin < taps.out_w) {
      plain_end = j;
      break;
    }
  }
  for (int k = 0; k < taps.out_h; ++k) {
    const int* r = taps.rows + 4 * k;
    const T* s0 = src.row<T>(r[0]);
    const T* s1 = src.row<T>(r[1]);
    const T* s2 = src.row<T>(r[2]);
    const T* s3 = src.row<T>(r[3]);
    for (int j = 0; j < taps.in_w; ++j) {
      // The reference's int32 sum may wrap on the way at 16 bits, but not its
      // centred total, which this is.
      const Acc l = kLo[0] * Acc{s0[j]} + kLo[1] * Acc{s1[j]} + kLo[2] * Acc{s2[j]} + kLo[3] * Acc{s3[j]} - centre;
      tmp[j] = static_cast<int16_t>((l + vround) >> vshift);
    }
    Out* out = approx + k * stride;
    const auto generic = [&](int j) {
      const int* c = taps.cols + 4 * j;
      const int32_t ll = kLo[0] * tmp[c[0]] + kLo[1] * tmp[c[1]] + kLo[2] * tmp[c[2]] + kLo[3] * tmp[c[3]];
      out[j] = static_cast<int16_t>((ll + 32768) >> 16);
    };
    for (int j = 0; j < plain_begin; ++j) generic(j);
    const int16_t* t = tmp - 1;
    for (int j = plain_begin; j < plain_end; ++j) {
      const int32_t ll = kLo[0] * int32_t{t[2 * j]} + kLo[1] * int32_t{t[2 * j + 1]} + kLo[2] * int32_t{t[2 * j + 2]} +
                         kLo[3] * int32_t{t[2 * j + 3]};
      out[j] = static_cast<int16_t>((ll + 32768) >> 16);
    }
    for (int j = plain_end; j < taps.out_w; ++j) generic(j);
  }
}

template <class Out>
void dwt0_approx(const Plane& src, const AdmDwtTaps& taps, int16_t* tmp, Out* approx, std::ptrdiff_t stride) {
  // 16-bit containers may hold samples beyond bpc bits (invalid input, still computed as the reference does).
  if (src.bpc == 8)
    dwt0_approx_impl<std::uint8_t, int32_t>(src, taps, tmp, approx, stride);
  else
    dwt0_approx_impl<uint16_t, int64_t>(src, taps, tmp, approx, stride);
}

// ---------------------------------------------------------------- decoupling

// 2^30 / i for i in [-32768, 32768], indexed by i + 32768 (0 at i == 0).
const std::array<int32_t, 65537>& reciprocals() {
  static const std::array<int32_t, 65537> table = [] {
    std::array<int32_t, 65537> t{};
    for (int i = 1; i <= 32768; ++i) {
      const int32_t r = (int32_t{1} << 30) / i;
      t[32768 + i] = r;
      t[32768 - i] = -r;
    }
    return t;
  }();
  return table;
}

inline float cos_1deg_squared() {
  const double c = exact::cos(std::numbers::pi / 180.0);
  return static_cast<float>(c * c);
}

// Whether (th, tv) lies within one degree of (oh, ov), evaluated in float/double
// exactly as the reference does; `simd_order` multiplies the magnitudes first.
inline bool within_one_degree(int64_t dot, int64_t o_sq, int64_t t_sq, float cos_sq, bool simd_order = false) {
  const double p = static_cast<float>(dot) / 4096.0;
  if (!(p >= 0.0f)) return false;
  const double o = static_cast<float>(o_sq) / 4096.0;
  const double t = static_cast<float>(t_sq) / 4096.0;
  const double bound = simd_order ? (o * t) * double{cos_sq} : (double{cos_sq} * o) * t;
  return p * p >= bound;
}

// Round half to even, as x86 SIMD conversions do in the default FP mode.
inline double round_even(double x) {
  double f = std::floor(x);
  const double frac = x - f;
  if (frac > 0.5 || (frac == 0.5 && std::fmod(f, 2.0) != 0.0)) f += 1.0;
  return f;
}

// Applies the enhancement gain limit to a restored coefficient `r` of the
// reference coefficient `o` with ratio `k` (Q15): |r * gain| is capped at the
// distorted coefficient `t`. The product is truncated (C reference) or, where
// `nearest`, rounded half-even before the cap (the x86 SIMD reference paths);
// the two differ only for a non-integer gain.
template <class T>
inline T limit_gain(T r, int64_t k, int32_t o, int32_t t, double gain, bool nearest) {
  if (k <= 0 || o == 0) return r;
  const double g = r * gain;
  if (nearest) {
    const int64_t gi = static_cast<int64_t>(round_even(g));
    return static_cast<T>(o > 0 ? std::min<int64_t>(gi, t) : std::max<int64_t>(gi, t));
  }
  const double tt = t;
  const double m = o > 0 ? (g < tt ? g : tt) : (g > tt ? g : tt);
  return static_cast<T>(static_cast<int32_t>(m));
}

void decouple0(AdmDetail<const int16_t> ref, AdmDetail<const int16_t> dis, AdmDetail<int16_t> rest,
               AdmDetail<int16_t> add, std::ptrdiff_t stride, AdmRect rect, double gain, int simd_end) {
  const float cos_sq = cos_1deg_squared();
  const int32_t* recip = reciprocals().data() + 32768;
  auto ratio = [recip](int32_t o, int32_t t) -> int32_t {
    if (o == 0) return 32768;
    const int32_t k = static_cast<int32_t>((int64_t{recip[o]} * t + 16384) >> 15);
    return std::clamp(k, 0, 32768);
  };
  for (int i = rect.top; i < rect.bottom; ++i) {
    const std::ptrdiff_t row = i * stride;
    for (int j = rect.left; j < rect.right; ++j) {
      const std::ptrdiff_t p = row + j;
      const int32_t oh = ref.h[p], ov = ref.v[p], od = ref.d[p];
      const int32_t th = dis.h[p], tv = dis.v[p], td = dis.d[p];
      const bool simd = j < simd_end;
      const bool aligned = within_one_degree(int64_t{oh} * th + int64_t{ov} * tv,
                                             int64_t{oh} * oh + int64_t{ov} * ov,
                                             int64_t{th} * th + int64_t{tv} * tv, cos_sq, simd);
      const int32_t kh = ratio(oh, th), kv = ratio(ov, tv), kd = ratio(od, td);
      int16_t rh = static_cast<int16_t>((kh * oh + 16384) >> 15);
      int16_t rv = static_cast<int16_t>((kv * ov + 16384) >> 15);
      int16_t rd = static_cast<int16_t>((kd * od + 16384) >> 15);
      if (aligned) {
        rh = limit_gain(rh, kh, oh, th, gain, simd);
        rv = limit_gain(rv, kv, ov, tv, gain, simd);
        rd = limit_gain(rd, kd, od, td, gain, simd);
      }
      rest.h[p] = rh;
      rest.v[p] = rv;
      rest.d[p] = rd;
      add.h[p] = static_cast<int16_t>(th - rh);
      add.v[p] = static_cast<int16_t>(tv - rv);
      add.d[p] = static_cast<int16_t>(td - rd);
    }
  }
}

// t / o in Q15 for 32-bit o: o is first rounded to its top 15 significant bits.
inline int64_t ratio32(const int32_t* recip, int32_t o, int32_t t) {
  if (o == 0) return 32768;
  uint32_t mag = abs32(o);
  int shift = 0;
  if (mag >= 32768) {
    shift = 17 - std::countl_zero(mag);
    mag = (mag + (1u << (shift - 1))) >> shift;
  }
  const int64_t sign = o < 0 ? -1 : 1;
  const int64_t k = (int64_t{recip[mag]} * t * sign + (int64_t{1} << (14 + shift))) >> (15 + shift);
  return std::clamp<int64_t>(k, 0, 32768);
}

void decouplen(AdmDetail<const int32_t> ref, AdmDetail<const int32_t> dis, AdmDetail<int32_t> rest,
               AdmDetail<int32_t> add, std::ptrdiff_t stride, AdmRect rect, double gain, int simd_end) {
  const float cos_sq = cos_1deg_squared();
  const int32_t* recip = reciprocals().data() + 32768;
  for (int i = rect.top; i < rect.bottom; ++i) {
    const std::ptrdiff_t row = i * stride;
    for (int j = rect.left; j < rect.right; ++j) {
      const std::ptrdiff_t p = row + j;
      const int32_t oh = ref.h[p], ov = ref.v[p], od = ref.d[p];
      const int32_t th = dis.h[p], tv = dis.v[p], td = dis.d[p];
      const bool aligned = within_one_degree(int64_t{oh} * th + int64_t{ov} * tv,
                                             int64_t{oh} * oh + int64_t{ov} * ov,
                                             int64_t{th} * th + int64_t{tv} * tv, cos_sq);
      const int64_t kh = ratio32(recip, oh, th), kv = ratio32(recip, ov, tv), kd = ratio32(recip, od, td);
      int32_t rh = static_cast<int32_t>((kh * oh + 16384) >> 15);
      int32_t rv = static_cast<int32_t>((kv * ov + 16384) >> 15);
      int32_t rd = static_cast<int32_t>((kd * od + 16384) >> 15);
      if (aligned) {
        const bool nearest = j < simd_end;
        rh = limit_gain(rh, kh, oh, th, gain, nearest);
        rv = limit_gain(rv, kv, ov, tv, gain, nearest);
        rd = limit_gain(rd, kd, od, td, gain, nearest);
      }
      rest.h[p] = rh;
      rest.v[p] = rv;
      rest.d[p] = rd;
      add.h[p] = wrap_sub(th, rh);
      add.v[p] = wrap_sub(tv, rv);
      add.d[p] = wrap_sub(td, rd);
    }
  }
}

// ---------------------------------------------------------------- CSF

void csf0(AdmDetail<const int16_t> add, AdmDetail<int16_t> csf, AdmDetail<int16_t> mask,
          std::ptrdiff_t stride, AdmRect rect, const uint16_t factor[3]) {
  // h and v factors are Q21, d is Q23; the results are Q16 like the bands.
  constexpr int kShift[3] = {15, 15, 17};
  constexpr int32_t kRound[3] = {16384, 16384, 65535};
  const int16_t* in[3] = {add.h, add.v, add.d};
  int16_t* out[3] = {csf.h, csf.v, csf.d};
  int16_t* msk[3] = {mask.h, mask.v, mask.d};
  // libvmaf's AVX-512 code (whole 16-column blocks from rect.left) takes
  // |c| / 30 of the weighted value before it is cut to int16, its C code
  // (the columns after) of the int16; they differ when it overflows (as
  // Barten's factors make it).
  const int simd_right = rect.right - (rect.right - rect.left) % 16;
  for (int o = 0; o < 3; ++o) {
    const int32_t f = factor[o];
    for (int i = rect.top; i < rect.bottom; ++i) {
      const std::ptrdiff_t row = i * stride;
      for (int j = rect.left; j < rect.right; ++j) {
        const int32_t wide = (f * in[o][row + j] + kRound[o]) >> kShift[o];
        const int16_t c = static_cast<int16_t>(wide);
        out[o][row + j] = c;
        const uint32_t magnitude = j < simd_right ? abs32(wide) : abs32(c);
        msk[o][row + j] = static_cast<int16_t>((4369u * magnitude + 2048u) >> 12);  // |c| / 30
      }
    }
  }
}

// |c| / 30 in Q32 with the reference's (negative) rounding offset of -2^31.
inline int32_t mask32(int32_t c) {
  return static_cast<int32_t>((int64_t{143165577} * abs32(c) - (int64_t{1} << 31)) >> 32);
}

void csfn(AdmDetail<const int32_t> add, AdmDetail<int32_t> csf, AdmDetail<int32_t> mask,
          std::ptrdiff_t stride, AdmRect rect, const uint32_t factor[3]) {
  const int32_t* in[3] = {add.h, add.v, add.d};
  int32_t* out[3] = {csf.h, csf.v, csf.d};
  int32_t* msk[3] = {mask.h, mask.v, mask.d};
  for (int o = 0; o < 3; ++o) {
    // libvmaf's AVX-512 code takes whole 16-column blocks from rect.left
    // and multiplies by the factor as a signed 32-bit number; the columns
    // after them (C code) as an unsigned one. They differ for factors of
    // 2^31 and up (Barten's, saturated to 2^32 - 1: see fixed_point()).
    const int simd_right = rect.right - (rect.right - rect.left) % 16;
    const int64_t f = factor[o], f_simd = static_cast<int32_t>(factor[o]);
    for (int i = rect.top; i < rect.bottom; ++i) {
      const std::ptrdiff_t row = i * stride;
      for (int j = rect.left; j < rect.right; ++j) {
        const int64_t fj = j < simd_right ? f_simd : f;
        const int32_t c = static_cast<int32_t>((fj * in[o][row + j] + (1 << 27)) >> 28);
        out[o][row + j] = c;
        msk[o][row + j] = mask32(c);
      }
    }
  }
}

// ---------------------------------------------------------------- denominator

void den0(AdmDetail<const int16_t> ref, std::ptrdiff_t stride, AdmRect rect, int row_shift, uint64_t sums[3]) {
  const int16_t* in[3] = {ref.h, ref.v, ref.d};
  const uint64_t round = static_cast<uint64_t>(round_add(row_shift));
  for (int o = 0; o < 3; ++o) {
    uint64_t total = 0;
    for (int i = rect.top; i < rect.bottom; ++i) {
      const int16_t* p = in[o] + i * stride;
      uint64_t acc = 0;
      for (int j = rect.left; j < rect.right; ++j) {
        const uint64_t x = static_cast<uint16_t>(std::abs(int32_t{p[j]}));
        acc += x * x * x;
      }
      total += (acc + round) >> row_shift;
    }
    sums[o] = total;
  }
}

void denn(AdmDetail<const int32_t> ref, std::ptrdiff_t stride, AdmRect rect, AdmDenShifts s, uint64_t sums[3]) {
  const int32_t* in[3] = {ref.h, ref.v, ref.d};
  const uint64_t sq_round = uint64_t{1} << s.square;  // sic: a full unit, not half
  const uint64_t cube_round = static_cast<uint64_t>(round_add(s.cube));
  const uint64_t row_round = static_cast<uint64_t>(round_add(s.row));
  for (int o = 0; o < 3; ++o) {
    uint64_t total = 0;
    for (int i = rect.top; i < rect.bottom; ++i) {
      const int32_t* p = in[o] + i * stride;
      uint64_t acc = 0;
      for (int j = rect.left; j < rect.right; ++j) {
        const uint64_t x = abs32(p[j]);
        acc += ((((x * x + sq_round) >> s.square) * x) + cube_round) >> s.cube;
      }
      total += (acc + row_round) >> s.row;
    }
    sums[o] = total;
  }
}

// ---------------------------------------------------------------- contrast masking

// Neighbour index with the reference's edge rule: mirrored at the start,
// repeated at the end.
inline int before(int k) { return k == 0 ? 1 : k - 1; }
inline int after(int k, int n) { return k == n - 1 ? n - 1 : k + 1; }

// Sum over orientations of the 3x3 masking window: the eight neighbours' mask
// values plus the centre's own |csf| / 15.
template <class T, class Centre>
inline int32_t masking_threshold(const T* const csf[3], const T* const mask[3], std::ptrdiff_t stride,
                                 int up, int i, int down, int l, int j, int r, Centre centre) {
  int32_t thr = 0;
  for (int o = 0; o < 3; ++o) {
    const T* m_up = mask[o] + up * stride;
    const T* m_mid = mask[o] + i * stride;
    const T* m_dn = mask[o] + down * stride;
    int32_t s = centre(csf[o][i * stride + j]);
    s = wrap_add(s, m_up[l]);
    s = wrap_add(s, m_up[j]);
    s = wrap_add(s, m_up[r]);
    s = wrap_add(s, m_mid[l]);
    s = wrap_add(s, m_mid[r]);
    s = wrap_add(s, m_dn[l]);
    s = wrap_add(s, m_dn[j]);
    s = wrap_add(s, m_dn[r]);
    thr = wrap_add(thr, s);
  }
  return thr;
}

// max(|x| - thr, 0), then x^3 with two rounding shifts.
inline int64_t masked_cube(int32_t x, int32_t thr, int sq_shift, int cube_shift, int64_t cube_round) {
  int32_t m = wrap_sub(static_cast<int32_t>(abs32(x)), thr);
  if (m < 0) m = 0;
  const int32_t m2 = static_cast<int32_t>((int64_t{m} * m + (int64_t{1} << (sq_shift - 1))) >> sq_shift);
  return (int64_t{m2} * m + cube_round) >> cube_shift;
}

// The same as libvmaf's AVX-512 scale 1..3 masking code computes them, for a
// point with all its neighbours inside the band: 64-bit sums, and the
// products of 32-bit multiplies (the low halves of the 64-bit values, signed).
inline int32_t low32(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); }

inline int64_t masking_threshold_wide(const int32_t* const csf[3], const int32_t* const mask[3],
                                      std::ptrdiff_t stride, int i, int j) {
  int64_t thr = 0;
  for (int o = 0; o < 3; ++o) {
    const int32_t* m = mask[o] + i * stride + j;
    for (int di = -1; di <= 1; ++di)
      for (int dj = -1; dj <= 1; ++dj) thr += (di || dj) ? m[di * stride + dj] : 0;
    const int64_t c = csf[o][i * stride + j];
    thr += (int64_t{low32(c < 0 ? -c : c)} * 286331153 - (int64_t{1} << 31)) >> 32;
  }
  return thr;
}

inline int64_t masked_cube_wide(int64_t x, int64_t thr, int cube_shift, int64_t cube_round) {
  int64_t m = (x < 0 ? -x : x) - thr;
  if (m < 0) m = 0;
  const int32_t m32 = low32(m);
  const int64_t m2 = (int64_t{m32} * m32 + (int64_t{1} << 29)) >> 30;
  return (int64_t{low32(m2)} * m32 + cube_round) >> cube_shift;
}

void cm0(AdmDetail<const int16_t> rest, AdmDetail<const int16_t> csf, AdmDetail<const int16_t> mask,
         std::ptrdiff_t stride, int w, int h, AdmRect rect, const AdmCm0Params& prm, int64_t sums[3]) {
  constexpr int kSubShift[3] = {10, 10, 12};
  constexpr int kSqShift[3] = {29, 29, 30};
  const int16_t* const c3[3] = {csf.h, csf.v, csf.d};
  const int16_t* const m3[3] = {mask.h, mask.v, mask.d};
  const int16_t* const r3[3] = {rest.h, rest.v, rest.d};
  const int64_t row_round = round_add(prm.row_shift);
  auto centre_wide = [](int16_t c) -> int32_t {  // |c| / 15
    return (8738 * std::abs(int32_t{c}) + 2048) >> 12;
  };
  auto centre_wrapped = [](int16_t c) -> int32_t {
    return static_cast<int16_t>((8738 * std::abs(int32_t{c}) + 2048) >> 12);
  };
  // Dummy-lane contribution per SIMD block and row (see adm_cm0_simd_rect()).
  const int simd_blocks = (prm.simd.right - prm.simd.left) / 14;
  uint64_t total[3] = {0, 0, 0};
  for (int i = rect.top; i < rect.bottom; ++i) {
    const int up = before(i), down = after(i, h);
    const bool simd_row = i >= prm.simd.top && i < prm.simd.bottom;
    uint64_t acc[3] = {0, 0, 0};
    if (simd_row)
      for (int o = 0; o < 3; ++o)
        acc[o] = static_cast<uint64_t>(2 * simd_blocks) *
                 static_cast<uint64_t>(prm.cube_round[o] >> prm.cube_shift[o]);
    for (int j = rect.left; j < rect.right; ++j) {
      const int32_t thr =
          simd_row && j >= prm.simd.left && j < prm.simd.right
              ? masking_threshold(c3, m3, stride, up, i, down, before(j), j, after(j, w), centre_wide)
              : masking_threshold(c3, m3, stride, up, i, down, before(j), j, after(j, w), centre_wrapped);
      for (int o = 0; o < 3; ++o) {
        const int32_t x = r3[o][i * stride + j] * int32_t{prm.factor[o]};
        acc[o] += static_cast<uint64_t>(masked_cube(x, wrap_shl(thr, kSubShift[o]), kSqShift[o],
                                                    prm.cube_shift[o], prm.cube_round[o]));
      }
    }
    for (int o = 0; o < 3; ++o)
      total[o] += static_cast<uint64_t>((static_cast<int64_t>(acc[o]) + row_round) >> prm.row_shift);
  }
  for (int o = 0; o < 3; ++o) sums[o] = static_cast<int64_t>(total[o]);
}

void cmn(AdmDetail<const int32_t> rest, AdmDetail<const int32_t> csf, AdmDetail<const int32_t> mask,
         std::ptrdiff_t stride, int w, int h, AdmRect rect, const AdmCmNParams& prm, int64_t sums[3]) {
  const int32_t* const c3[3] = {csf.h, csf.v, csf.d};
  const int32_t* const m3[3] = {mask.h, mask.v, mask.d};
  const int32_t* const r3[3] = {rest.h, rest.v, rest.d};
  const int64_t cube_round = round_add(prm.cube_shift);
  const int64_t row_round = round_add(prm.row_shift);
  auto centre = [](int32_t c) -> int32_t {  // |c| / 15, same offset quirk as mask32()
    return static_cast<int32_t>((int64_t{286331153} * abs32(c) - (int64_t{1} << 31)) >> 32);
  };
  // libvmaf's AVX-512 code (signed factors, as in csfn()) covers whole
  // 6-column blocks from rect.left on rows 1..h-2 when the pooled rectangle
  // leaves a border on both sides; its C code the rest.
  AdmRect simd{};
  if (rect.left > 0 && rect.right <= w - 1)
    simd = {std::max(rect.top, 1), std::min(rect.bottom, h - 1), rect.left,
            rect.right - (rect.right - rect.left) % 6};
  uint64_t total[3] = {0, 0, 0};
  for (int i = rect.top; i < rect.bottom; ++i) {
    const int up = before(i), down = after(i, h);
    const bool simd_row = i >= simd.top && i < simd.bottom;
    uint64_t acc[3] = {0, 0, 0};
    for (int j = rect.left; j < rect.right; ++j) {
      if (simd_row && j >= simd.left && j < simd.right) {
        const int64_t thr = masking_threshold_wide(c3, m3, stride, i, j);
        for (int o = 0; o < 3; ++o) {
          const int64_t x = (int64_t{r3[o][i * stride + j]} * static_cast<int32_t>(prm.factor[o]) + (1 << 27)) >> 28;
          acc[o] += static_cast<uint64_t>(masked_cube_wide(x, thr, prm.cube_shift, cube_round));
        }
        continue;
      }
      const int32_t thr = masking_threshold(c3, m3, stride, up, i, down, before(j), j, after(j, w), centre);
      for (int o = 0; o < 3; ++o) {
        const int32_t x = static_cast<int32_t>((int64_t{r3[o][i * stride + j]} * prm.factor[o] + (1 << 27)) >> 28);
        acc[o] += static_cast<uint64_t>(masked_cube(x, thr, 30, prm.cube_shift, cube_round));
      }
    }
    for (int o = 0; o < 3; ++o)
      total[o] += static_cast<uint64_t>((static_cast<int64_t>(acc[o]) + row_round) >> prm.row_shift);
  }
  for (int o = 0; o < 3; ++o) sums[o] = static_cast<int64_t>(total[o]);
}

}  // namespace

void adm_dwt0_approx_scalar(const Plane& src, const AdmDwtTaps& taps, int16_t* tmp, int16_t* approx,
                            std::ptrdiff_t stride) {
  dwt0_approx(src, taps, tmp, approx, stride);
}

void adm_dwt0_approx_scalar(const Plane& src, const AdmDwtTaps& taps, int16_t* tmp, int32_t* approx,
                            std::ptrdiff_t stride) {
  dwt0_approx(src, taps, tmp, approx, stride);
}

void adm_dwt0_scalar(const Plane& src, const AdmDwtTaps& taps, int16_t* tmp, int32_t* approx,
                     AdmDetail<int16_t> out, std::ptrdiff_t stride) {
  if (src.bpc == 8)
    dwt0_impl<std::uint8_t>(src, taps, tmp, approx, out, stride);
  else
    dwt0_impl<uint16_t>(src, taps, tmp, approx, out, stride);
}

namespace {

// Vertical pass of one picture into lo / hi; a row tap of -1 reads src[-stride].
void dwtn_vertical(const int32_t* src, std::ptrdiff_t src_stride, const int* r, int w, int vs, int64_t vr,
                   int32_t* lo, int32_t* hi) {
  const int32_t* s0 = src + r[0] * src_stride;
  const int32_t* s1 = src + r[1] * src_stride;
  const int32_t* s2 = src + r[2] * src_stride;
  const int32_t* s3 = src + r[3] * src_stride;
  for (int j = 0; j < w; ++j) {
    const int64_t a = s0[j], b = s1[j], c = s2[j], d = s3[j];
    lo[j] = static_cast<int32_t>((kLo[0] * a + kLo[1] * b + kLo[2] * c + kLo[3] * d + vr) >> vs);
    hi[j] = static_cast<int32_t>((kHi[0] * a + kHi[1] * b + kHi[2] * c + kHi[3] * d + vr) >> vs);
  }
}

void dwtn_horizontal(const int32_t* lo, const int32_t* hi, const AdmDwtTaps& taps, int hs, int64_t hr,
                     int32_t* approx, AdmDetail<int32_t> out) {
  for (int j = 0; j < taps.out_w; ++j) {
    const int* c = taps.cols + 4 * j;
    const int64_t l0 = lo[c[0]], l1 = lo[c[1]], l2 = lo[c[2]], l3 = lo[c[3]];
    const int64_t h0 = hi[c[0]], h1 = hi[c[1]], h2 = hi[c[2]], h3 = hi[c[3]];
    approx[j] = static_cast<int32_t>((kLo[0] * l0 + kLo[1] * l1 + kLo[2] * l2 + kLo[3] * l3 + hr) >> hs);
    out.v[j] = static_cast<int32_t>((kHi[0] * l0 + kHi[1] * l1 + kHi[2] * l2 + kHi[3] * l3 + hr) >> hs);
    out.h[j] = static_cast<int32_t>((kLo[0] * h0 + kLo[1] * h1 + kLo[2] * h2 + kLo[3] * h3 + hr) >> hs);
    out.d[j] = static_cast<int32_t>((kHi[0] * h0 + kHi[1] * h1 + kHi[2] * h2 + kHi[3] * h3 + hr) >> hs);
  }
}

AdmDetail<int32_t> offset(AdmDetail<int32_t> b, std::ptrdiff_t o) { return {b.h + o, b.v + o, b.d + o}; }

}  // namespace

void adm_dwtn_scalar(const int32_t* ref_src, const int32_t* dis_src, std::ptrdiff_t src_stride,
                     const AdmDwtTaps& taps, int scale, int32_t* tmp, int32_t* ref_approx,
                     AdmDetail<int32_t> ref_out, int32_t* dis_approx, AdmDetail<int32_t> dis_out,
                     std::ptrdiff_t stride) {
  // Rounding shifts of the vertical and horizontal passes, for scales 1, 2, 3.
  constexpr int kVShift[3] = {0, 16, 16};
  constexpr int kHShift[3] = {15, 16, 15};
  const int vs = kVShift[scale - 1], hs = kHShift[scale - 1];
  const int64_t vr = round_add(vs), hr = round_add(hs);
  const int w = taps.in_w;
  tmp[0] = 0;
  int32_t* lo_ref = tmp + 1;
  int32_t* hi_ref = lo_ref + w;
  int32_t* lo_dis = hi_ref + w;
  int32_t* hi_dis = lo_dis + w;
  for (int k = 0; k < taps.out_h; ++k) {
    const int* r = taps.rows + 4 * k;
    dwtn_vertical(ref_src, src_stride, r, w, vs, vr, lo_ref, hi_ref);
    dwtn_vertical(dis_src, src_stride, r, w, vs, vr, lo_dis, hi_dis);
    const std::ptrdiff_t o = k * stride;
    dwtn_horizontal(lo_ref, hi_ref, taps, hs, hr, ref_approx + o, offset(ref_out, o));
    dwtn_horizontal(lo_dis, hi_dis, taps, hs, hr, dis_approx + o, offset(dis_out, o));
  }
}

void adm_decouple0_scalar(AdmDetail<const int16_t> ref, AdmDetail<const int16_t> dis, AdmDetail<int16_t> rest,
                          AdmDetail<int16_t> add, std::ptrdiff_t stride, AdmRect rect, double gain_limit,
                          int simd_end) {
  decouple0(ref, dis, rest, add, stride, rect, gain_limit, simd_end);
}

void adm_decouplen_scalar(AdmDetail<const int32_t> ref, AdmDetail<const int32_t> dis, AdmDetail<int32_t> rest,
                          AdmDetail<int32_t> add, std::ptrdiff_t stride, AdmRect rect, double gain_limit,
                          int simd_end) {
  decouplen(ref, dis, rest, add, stride, rect, gain_limit, simd_end);
}

void adm_csf0_scalar(AdmDetail<const int16_t> add, AdmDetail<int16_t> csf, AdmDetail<int16_t> mask,
                     std::ptrdiff_t stride, AdmRect rect, const uint16_t factor[3]) {
  csf0(add, csf, mask, stride, rect, factor);
}

void adm_csfn_scalar(AdmDetail<const int32_t> add, AdmDetail<int32_t> csf, AdmDetail<int32_t> mask,
                     std::ptrdiff_t stride, AdmRect rect, const uint32_t factor[3]) {
  csfn(add, csf, mask, stride, rect, factor);
}

void adm_den0_scalar(AdmDetail<const int16_t> ref, std::ptrdiff_t stride, AdmRect rect, int row_shift,
                     uint64_t sums[3]) {
  den0(ref, stride, rect, row_shift, sums);
}

void adm_denn_scalar(AdmDetail<const int32_t> ref, std::ptrdiff_t stride, AdmRect rect, AdmDenShifts shifts,
                     uint64_t sums[3]) {
  denn(ref, stride, rect, shifts, sums);
}

void adm_cm0_scalar(AdmDetail<const int16_t> rest, AdmDetail<const int16_t> csf, AdmDetail<const int16_t> mask,
                    std::ptrdiff_t stride, int w, int h, AdmRect rect, const AdmCm0Params& params,
                    int64_t sums[3]) {
  cm0(rest, csf, mask, stride, w, h, rect, params, sums);
}

void adm_cmn_scalar(AdmDetail<const int32_t> rest, AdmDetail<const int32_t> csf, AdmDetail<const int32_t> mask,
                    std::ptrdiff_t stride, int w, int h, AdmRect rect, const AdmCmNParams& params,
                    int64_t sums[3]) {
  cmn(rest, csf, mask, stride, w, h, rect, params, sums);
}

const int32_t* adm_reciprocals() { return reciprocals().data() + 32768; }

float adm_cos_1deg_squared() { return cos_1deg_squared(); }

AdmKernels select_adm_kernels(int bpc) {
  AdmKernels k{adm_dwt0_scalar, adm_dwtn_scalar, adm_decouple0_scalar, adm_decouplen_scalar, adm_csf0_scalar,
               adm_csfn_scalar, adm_den0_scalar, adm_denn_scalar,      adm_cm0_scalar,       adm_cmn_scalar,
               AdmFused{}};
#ifdef PVT_HAVE_X86_KERNELS
  switch (active_isa()) {
    case Isa::avx512: k.fused = vnni_usable(Isa::avx512) ? adm_fused_avx512_vnni(bpc) : adm_fused_avx512(bpc); break;
    case Isa::avx2: k.fused = vnni_usable(Isa::avx2) ? adm_fused_avx2_vnni(bpc) : adm_fused_avx2(bpc); break;
    default: break;
  }
#endif
#ifdef PVT_HAVE_NEON_KERNELS
  if (active_isa() == Isa::neon) k.fused = adm_fused_neon(bpc);
#endif
  (void)bpc;
  return k;
}

}  // namespace pvt::feature::kernels
