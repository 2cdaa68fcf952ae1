#pragma once
// The CIEDE2000 computation written once over a lane type V of doubles: the
// scalar kernel instantiates it with V = double, the x86 kernels with their
// vector types. Include only after declaring, for V and its mask type M:
//
//   V + - * / and unary -, V(double), V < <= > == V -> M,
//   M both(M, M), M either(M, M), V select(M, V if_true, V if_false),
//   V vsqrt(V), V vabs(V), V vfloor(V), V vround(V) (to nearest, ties even),
//   V to_float(V) (rounded to single precision), V copy_sign(V magnitude, V sign),
//   V pow2i(V k) (2^k for an integral k in [-1022, 1023]),
//   void split_exponent(V x, V& m, V& e) (x = m 2^e, m in [1, 2), for x normal).
//
// Every operation is a correctly rounded IEEE operation (no FMA), so all
// instantiations give the same bits lane for lane. Branches are selects: both
// sides are evaluated, whatever the lane needs.
//
// Single-precision steps of libvmaf's code are evaluated in double and
// rounded to float (to_float): for + - * / and sqrt of floats that equals
// the float operation.

#if defined(__GNUC__)
#define PVT_CIEDE_INLINE [[gnu::always_inline]] inline
#else
#define PVT_CIEDE_INLINE inline
#endif

#include "ciede_kernels.hpp"

namespace pvt::feature::kernels::ciede_math {

inline constexpr double kPi = 3.141592653589793;
inline constexpr double kTwoPi = 2.0 * kPi;

// c[0] + c[1] x + ... + c[n-1] x^n-1 as A(x^2) + x B(x^2): two Horner chains
// of half the length, for the processor to run side by side.
template <class V, int N>
PVT_CIEDE_INLINE V poly_(V x, const double (&c)[N]) {
  const V x2 = x * x;
  constexpr int last_even = (N - 1) / 2 * 2, last_odd = N % 2 ? N - 2 : N - 1;
  V even = V(c[last_even]), odd = V(c[last_odd]);
  for (int i = last_even - 2; i >= 0; i -= 2) even = even * x2 + V(c[i]);
  for (int i = last_odd - 2; i >= 1; i -= 2) odd = odd * x2 + V(c[i]);
  return even + x * odd;
}

// e^x for |x| < 700: x = k ln2 + r, |r| <= ln2 / 2, then Taylor to r^13.
template <class V>
PVT_CIEDE_INLINE V exp_(V x) {
  const V k = vround(x * V(1.4426950408889634));
  const V r = (x - k * V(0.6931471805592082)) - k * V(7.371002565167799e-13);
  constexpr double c[] = {1.0,
                          1.0,
                          0.5,
                          0.16666666666666666,
                          0.041666666666666664,
                          0.008333333333333333,
                          0.001388888888888889,
                          0.0001984126984126984,
                          2.48015873015873e-05,
                          2.7557319223985893e-06,
                          2.755731922398589e-07,
                          2.505210838544172e-08,
                          2.08767569878681e-09,
                          1.6059043836821613e-10};
  return poly_(r, c) * pow2i(k);
}

// ln x for normal x > 0: x = m 2^e with m in [sqrt(1/2), sqrt(2)), and
// ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172, as a series in s^2.
template <class V>
PVT_CIEDE_INLINE V log_(V x) {
  V m, e;
  split_exponent(x, m, e);
  const auto high = m > V(1.4142135623730951);
  m = select(high, m * V(0.5), m);
  e = select(high, e + V(1.0), e);
  const V s = (m - V(1.0)) / (m + V(1.0));
  const V z = s * s;
  // 1/3 + z/5 + ... + z^10/23
  constexpr double c[] = {1.0 / 3,  1.0 / 5,  1.0 / 7,  1.0 / 9,  1.0 / 11, 1.0 / 13,
                          1.0 / 15, 1.0 / 17, 1.0 / 19, 1.0 / 21, 1.0 / 23};
  const V p = poly_(z, c);
  const V log_m = V(2.0) * s + V(2.0) * s * z * p;
  return e * V(0.6931471805592082) + (e * V(7.371002565167799e-13) + log_m);
}

// x^y for x > 0, as libvmaf's pow with a constant exponent is used here.
template <class V>
PVT_CIEDE_INLINE V pow_(V x, double y) {
  return exp_(V(y) * log_(x));
}

// sin and cos for |x| < 1e5: x = n pi/2 + r (three-part pi/2), |r| <= pi/4,
// Taylor to r^17 / r^18, and the quadrant n mod 4.
template <class V>
PVT_CIEDE_INLINE void sincos_(V x, V& sin_out, V& cos_out) {
  const V n = vround(x * V(0.6366197723675814));
  const V r = ((x - n * V(1.5707963267341256)) - n * V(6.077100506303966e-11)) - n * V(2.0222662487959506e-21);
  const V z = r * r;
  // sin r = r (1 - z/3! + z^2/5! - ... - z^8/17!)
  constexpr double s[] = {1.0,
                          -0.16666666666666666,
                          0.008333333333333333,
                          -0.0001984126984126984,
                          2.7557319223985893e-06,
                          -2.505210838544172e-08,
                          1.6059043836821613e-10,
                          -7.647163731819816e-13,
                          2.8114572543455206e-15};
  // cos r = 1 - z/2! + z^2/4! - ... + z^9/18!
  constexpr double c[] = {1.0,
                          -0.5,
                          0.041666666666666664,
                          -0.001388888888888889,
                          2.48015873015873e-05,
                          -2.755731922398589e-07,
                          2.08767569878681e-09,
                          -1.1470745597729725e-11,
                          4.779477332387385e-14,
                          -1.5619206968586225e-16};
  const V ps = poly_(z, s);
  const V pc = poly_(z, c);
  const V sin_r = r * ps;
  const V cos_r = pc;
  const V q = n - V(4.0) * vfloor(n * V(0.25));  // 0, 1, 2 or 3
  const auto q1 = q == V(1.0), q2 = q == V(2.0), q3 = q == V(3.0);
  sin_out = select(q1, cos_r, select(q2, -sin_r, select(q3, -cos_r, sin_r)));
  cos_out = select(q1, -sin_r, select(q2, -cos_r, select(q3, sin_r, cos_r)));
}

template <class V>
PVT_CIEDE_INLINE V sin_(V x) {
  V s, c;
  sincos_(x, s, c);
  return s;
}

template <class V>
PVT_CIEDE_INLINE V cos_(V x) {
  V s, c;
  sincos_(x, s, c);
  return c;
}

// atan t for t in [0, 1]: t = tan(a + b) with a in {0, pi/8, pi/4} and
// |tan b| <= tan(pi/16) < 0.199, then a Taylor series to b^23.
template <class V>
PVT_CIEDE_INLINE V atan01_(V t) {
  const V tan_pi8 = V(0.41421356237309503);  // atan of it: 0.39269908169872414 + 3.06e-18
  const auto mid = t > V(0.198912367379658);
  const auto top = t > V(0.6681786379192989);
  const V c = select(top, V(1.0), select(mid, tan_pi8, V(0.0)));
  const V base = select(top, V(0.7853981633974483), select(mid, V(0.39269908169872414), V(0.0)));
  const V base_lo = select(top, V(3.061616997868383e-17), select(mid, V(3.060132146563891e-18), V(0.0)));
  const V u = (t - c) / (V(1.0) + t * c);
  const V z = u * u;
  // -1/3 + z/5 - ... - z^10/23
  constexpr double series[] = {-1.0 / 3, 1.0 / 5,   -1.0 / 7, 1.0 / 9,   -1.0 / 11, 1.0 / 13,
                               -1.0 / 15, 1.0 / 17, -1.0 / 19, 1.0 / 21, -1.0 / 23};
  const V p = poly_(z, series);
  return base + (base_lo + (u + u * z * p));
}

// atan2(y, x) with the C library's quadrants; (0, 0) gives 0.
template <class V>
PVT_CIEDE_INLINE V atan2_(V y, V x) {
  const V ax = vabs(x), ay = vabs(y);
  const auto steep = ay > ax;
  const V big = select(steep, ay, ax);
  const V small = select(steep, ax, ay);
  const V t = select(big == V(0.0), V(0.0), small / big);
  V a = atan01_(t);
  a = select(steep, (V(1.5707963267948966) - a) + V(6.123233995736766e-17), a);
  a = select(x < V(0.0), (V(kPi) - a) + V(1.2246467991473532e-16), a);
  return copy_sign(a, y);
}

struct Lab {
  template <class V>
  struct Of {
    V l, a, b;
  };
};

// BT.709 limited-range YUV (integer samples at `bpc` bits) to CIELAB, each
// component rounded to float.
template <class V>
PVT_CIEDE_INLINE Lab::Of<V> to_lab(V y, V u, V v, int bpc) {
  const double scale = static_cast<double>(1 << (bpc - 8));
  y = (y - V(16. * scale)) * V(1. / (219. * scale));
  u = (u - V(128. * scale)) * V(1. / (224. * scale));
  v = (v - V(128. * scale)) * V(1. / (224. * scale));
  V rgb[3] = {y + V(1.28033) * v, y - V(0.21482) * u - V(0.38059) * v, y + V(2.12798) * u};
  // sRGB transfer to linear light
  for (V& c : rgb) {
    const V curved = pow_((c + V(0.055)) * V(1.0 / 1.055), 2.4);
    c = select(c > V(10. / 255.), curved, c * V(1.0 / 12.92));
  }
  const V& r = rgb[0];
  const V& g = rgb[1];
  const V& b = rgb[2];
  V xyz[3] = {(r * V(0.4124564390896921) + g * V(0.357576077643909) + b * V(0.18043748326639894)) *
                  V(1.0 / 0.95047),
              r * V(0.21267285140562248) + g * V(0.715152155287818) + b * V(0.07217499330655958),
              (r * V(0.019333895582329317) + g * V(0.119192025881303) + b * V(0.9503040785363677)) *
                  V(1.0 / 1.08883)};
  // CIE's f(t): a cube root above (6/29)^3, linear below; rounded to float
  for (V& t : xyz) {
    const V root = pow_(t, 1.0 / 3.0);
    t = to_float(select(t > V(216.0 / 24389.0), root, (V(24389.0 / 27.0) * t + V(16.0)) * V(1.0 / 116.0)));
  }
  return {to_float(V(116.0) * xyz[1] - V(16.0)), to_float(V(500.0) * (xyz[0] - xyz[1])),
          to_float(V(200.0) * (xyz[1] - xyz[2]))};
}

// Hue angle in [0, 2 pi) of (a, b), rounded to float; 0 when both are 0.
template <class V>
PVT_CIEDE_INLINE V hue_angle(V b, V a) {
  V h = to_float(atan2_(b, a));
  h = select(h < V(0.0), to_float(h + V(kTwoPi)), h);
  return select(both(b == V(0.0), a == V(0.0)), V(0.0), h);
}

// CIEDE2000 with kL = 0.65, kC = 1, kH = 4, as a float.
template <class V>
PVT_CIEDE_INLINE V ciede2000(const Lab::Of<V>& c1, const Lab::Of<V>& c2) {
  const V delta_l = to_float(c2.l - c1.l);
  const V l_bar = to_float(to_float(c1.l + c2.l) * V(0.5));
  const V chroma1 = to_float(vsqrt(c1.a * c1.a + c1.b * c1.b));
  const V chroma2 = to_float(vsqrt(c2.a * c2.a + c2.b * c2.b));
  const V chroma_bar = to_float(to_float(chroma1 + chroma2) * V(0.5));

  // a' = a (1 + (1 - sqrt(C^7 / (C^7 + 25^7))) / 2), with C = chroma_bar
  const V cb2 = chroma_bar * chroma_bar;
  const V cb7 = cb2 * cb2 * cb2 * chroma_bar;
  const V g = V(1.0) - vsqrt(cb7 / (cb7 + V(6103515625.0)));
  const V a1 = to_float(c1.a + to_float(c1.a * V(0.5)) * g);
  const V a2 = to_float(c2.a + to_float(c2.a * V(0.5)) * g);
  const V cp1 = to_float(vsqrt(a1 * a1 + c1.b * c1.b));
  const V cp2 = to_float(vsqrt(a2 * a2 + c2.b * c2.b));
  const V cp_bar = to_float(to_float(cp1 + cp2) * V(0.5));
  const V delta_c = to_float(cp2 - cp1);

  const V l50 = to_float(l_bar - V(50.0));
  const V l50_sq = l50 * l50;
  const V s_l = to_float(V(1.) + (V(0.015) * l50_sq) / vsqrt(V(20.0) + l50_sq));
  const V s_c = to_float(V(1.) + V(0.045) * cp_bar);

  const V h1 = hue_angle(c1.b, a1);
  const V h2 = hue_angle(c2.b, a2);
  const V h_diff = to_float(h2 - h1);
  const V h_gap = vabs(to_float(h1 - h2));  // as a float, compared with pi in double
  V delta_h = select(h_gap <= V(kPi), h_diff,
                     select(h2 <= h1, to_float(h_diff + V(kTwoPi)), to_float(h_diff - V(kTwoPi))));
  delta_h = select(either(chroma1 == V(0.0), chroma2 == V(0.0)), V(0.0), delta_h);
  const V delta_big_h = to_float(V(2.0) * vsqrt(to_float(cp1 * cp2)) * sin_(delta_h / V(2.0)));

  const V h_sum = to_float(h1 + h2);
  const V h_bar = select(h_gap > V(kPi), to_float((h_sum + V(kTwoPi)) / V(2.0)), to_float(h_sum / V(2.0)));
  const V t = to_float(V(1.0) - V(0.17) * cos_(h_bar - V(kPi / 6.0)) + V(0.24) * cos_(V(2.0) * h_bar) +
                       V(0.32) * cos_(V(3.0) * h_bar + V(kPi / 30.0)) -
                       V(0.20) * cos_(V(4.0) * h_bar - V(7.0 * kPi / 20.0)));
  const V s_h = to_float(V(1.0) + V(0.015) * cp_bar * t);

  // R_T = -2 sqrt(C'^7 / (C'^7 + 25^7)) sin(60 deg exp(-((H' - 275 deg) / 25 deg)^2)), with single-precision
  // powers (25^7 rounds to 6103515648 in float)
  const V degrees = to_float((to_float(h_bar * V(180.0 / kPi)) - V(275.0)) * V(1.0 / 25.0));
  const V cpb2 = cp_bar * cp_bar;
  const V cp7 = to_float(cpb2 * cpb2 * cpb2 * cp_bar);
  const V ratio = to_float(cp7 / to_float(cp7 + V(6103515648.0)));
  const V angle = to_float(to_float(V(60.0) * exp_(-to_float(degrees * degrees))) * V(kPi / 180.0));
  const V r_t = to_float(V(-2.0) * vsqrt(ratio) * sin_(angle));

  const V lightness = to_float(delta_l / to_float(V(0.64999997615814208984375) * s_l));
  const V chroma = to_float(delta_c / s_c);
  const V hue = to_float(delta_big_h / to_float(V(4.0) * s_h));
  return to_float(vsqrt(lightness * lightness + chroma * chroma + hue * hue + to_float(to_float(r_t * chroma) * hue)));
}

// out[i] for i < n, `lanes` pixels at a time: load(p) reads `lanes` floats
// as a V, store(p, v) writes v's lanes as floats.
template <class V, int lanes, class Load, class Store>
void run(const CiedePixels& ref, const CiedePixels& dist, std::size_t n, int bpc, float* out, Load load,
         Store store) {
  for (std::size_t i = 0; i < n; i += lanes) {
    const auto a = to_lab<V>(load(ref.y + i), load(ref.u + i), load(ref.v + i), bpc);
    const auto b = to_lab<V>(load(dist.y + i), load(dist.u + i), load(dist.v + i), bpc);
    store(out + i, ciede2000<V>(a, b));
  }
}

}  // namespace pvt::feature::kernels::ciede_math
