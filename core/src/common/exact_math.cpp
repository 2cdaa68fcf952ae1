#include "exact_math.hpp"

#include <array>
#include <bit>
#include <cfloat>
#include <cstddef>
#include <cstdint>
#include <cmath>
#include <limits>

// Double-double arithmetic is exact only when every operation rounds once to
// double: no x87 extended precision, and no contraction into fused
// multiply-adds (core/CMakeLists.txt turns it off).
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD != 0
#error "exact_math needs double arithmetic evaluated in double (FLT_EVAL_METHOD 0)"
#endif

namespace pvt::exact {
namespace {

// A value hi + lo with |lo| <= ulp(hi) / 2: about 106 bits.
struct DD {
  double hi = 0, lo = 0;
};

DD two_sum(double a, double b) {
  const double s = a + b;
  const double bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}

DD fast_two_sum(double a, double b) {  // |a| >= |b|
  const double s = a + b;
  return {s, b - (s - a)};
}

// Veltkamp's split and Dekker's product: exact without a fused multiply-add.
void split(double a, double& hi, double& lo) {
  const double c = 134217729.0 * a;  // 2^27 + 1
  hi = c - (c - a);
  lo = a - hi;
}

DD two_prod(double a, double b) {
  const double p = a * b;
  double ah, al, bh, bl;
  split(a, ah, al);
  split(b, bh, bl);
  return {p, ((ah * bh - p) + ah * bl + al * bh) + al * bl};
}

DD add(DD a, DD b) {
  DD s = two_sum(a.hi, b.hi);
  const DD t = two_sum(a.lo, b.lo);
  s.lo += t.hi;
  s = fast_two_sum(s.hi, s.lo);
  s.lo += t.lo;
  return fast_two_sum(s.hi, s.lo);
}

DD mul(DD a, DD b) {
  DD p = two_prod(a.hi, b.hi);
  p.lo += a.hi * b.lo + a.lo * b.hi;
  return fast_two_sum(p.hi, p.lo);
}

DD mul(DD a, double b) {
  DD p = two_prod(a.hi, b);
  p.lo += a.lo * b;
  return fast_two_sum(p.hi, p.lo);
}

DD div(DD a, DD b) {
  const double q1 = a.hi / b.hi;
  DD r = add(a, mul(b, -q1));
  const double q2 = r.hi / b.hi;
  r = add(r, mul(b, -q2));
  const double q3 = r.hi / b.hi;
  return add(fast_two_sum(q1, q2), DD{q3, 0});
}

DD div(DD a, double b) { return div(a, DD{b, 0}); }

// Constants, each the double-double nearest the true value.
constexpr DD kLn2{0x1.62e42fefa39efp-1, 0x1.abc9e3b39803fp-56};
constexpr DD kLog2E{0x1.71547652b82fep+0, 0x1.777d0ffda0d24p-56};   // 1 / ln 2
constexpr DD kLog10E{0x1.bcb7b1526e50ep-2, 0x1.95355baaafad3p-57};  // 1 / ln 10
constexpr DD kPiOver2{0x1.921fb54442d18p+0, 0x1.1a62633145c07p-54};

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The series below are exact to about 2^-105 but slow (dd divisions, many
// terms); they only build the tables the fast forms further down use.

// exp(x) for a double-double x with |x.hi| < 746, as a double-double scaled
// by 2^k (returned in k): x = k ln 2 + r, exp(r) from its series at r / 1024,
// squared back up ten times as expm1 (e^2s - 1 = m (m + 2)) to keep its bits.
DD exp_dd_series(DD x, int& k) {
  const double kd = std::floor(x.hi * 0x1.71547652b82fep+0 + 0.5);
  k = static_cast<int>(kd);
  const DD r = add(x, mul(kLn2, -kd));
  const DD s{std::ldexp(r.hi, -10), std::ldexp(r.lo, -10)};
  // expm1(s) = s (1 + s/2 (1 + s/3 (... (1 + s/9)))); |s| < 3.4e-4.
  DD m{1, 0};
  for (int n = 9; n >= 2; --n) m = add(DD{1, 0}, div(mul(m, s), static_cast<double>(n)));
  m = mul(m, s);
  for (int i = 0; i < 10; ++i) m = mul(m, add(m, DD{2, 0}));
  return add(DD{1, 0}, m);
}

// ln(m) for m in [0.7, 1.42]: 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172.
DD log_series(double m) {
  const DD s = div(DD{m - 1, 0}, two_sum(m, 1));  // m - 1 is exact
  const DD s2 = mul(s, s);
  // atanh(s) / s = 1 + s^2/3 + s^4/5 + ... + s^46/47: the rest is below 2^-115.
  DD t = div(DD{1, 0}, 47.0);
  for (int n = 45; n >= 1; n -= 2) t = add(div(DD{1, 0}, static_cast<double>(n)), mul(t, s2));
  return mul(mul(t, s), 2.0);
}

// The fast forms: exp from 2^(j/64) and a short series on |r| <= ln2/128;
// ln from ln(c) at 64ths c and log1p on |r| < 0.012. The series' high-order
// terms, too small to need more, are summed in plain double.
struct Tables {
  DD exp2_64[64];      // 2^(j/64)
  double invc[47];     // 1 / c, c = (45 + i) / 64
  DD log_c[47];        // ln c = -ln(invc), of the double invc
  DD inv_fact[7];      // 1 / n!, n <= 6
  DD inv_n[9];         // 1 / n, n <= 8
};

const Tables& tables() {
  static const Tables t = [] {
    Tables t{};
    for (int j = 0; j < 64; ++j) {
      int k = 0;
      const DD v = exp_dd_series(mul(kLn2, j / 64.0), k);
      t.exp2_64[j] = {std::ldexp(v.hi, k), std::ldexp(v.lo, k)};
    }
    for (int i = 0; i < 47; ++i) {
      t.invc[i] = 64.0 / (45 + i);
      const DD l = log_series(t.invc[i]);
      t.log_c[i] = {-l.hi, -l.lo};
    }
    DD f{1, 0};
    for (int n = 1; n <= 6; ++n) t.inv_fact[n] = f = div(f, static_cast<double>(n));
    for (int n = 1; n <= 8; ++n) t.inv_n[n] = div(DD{1, 0}, static_cast<double>(n));
    return t;
  }();
  return t;
}

// exp(x) for a double-double x with |x.hi| < 746, as a double-double scaled
// by 2^k (returned in k): x = (64 k + j) ln2/64 + r.
DD exp_dd(DD x, int& k) {
  const Tables& t = tables();
  const double nd = std::floor(x.hi * 0x1.71547652b82fep+6 + 0.5);  // x 64/ln2, rounded
  const auto n = static_cast<long long>(nd);
  const auto j = static_cast<int>(n & 63);
  k = static_cast<int>((n - j) / 64);
  const DD r = add(x, mul(DD{kLn2.hi / 64, kLn2.lo / 64}, -nd));
  // expm1(r) = r (1 + r (1/2! + r (1/3! + ...))): 1/11! .. 1/7! in double.
  double q = 1.0 / 39916800;
  for (const double c : {1.0 / 3628800, 1.0 / 362880, 1.0 / 40320, 1.0 / 5040}) q = c + r.hi * q;
  DD p{q, 0};
  for (int m = 6; m >= 1; --m) p = add(t.inv_fact[m], mul(p, r));
  const DD em1 = mul(p, r);
  const DD& scale = t.exp2_64[j];
  return add(scale, mul(scale, em1));
}

// ln(x) for a finite x > 0: x = 2^e m, m in [sqrt(1/2), sqrt(2)), m = c (1 + r)
// with c the nearest 64th, so ln x = e ln2 + ln c + log1p(r).
DD log_dd(double x) {
  int e = 0;
  if (x < DBL_MIN) {  // subnormal: make it normal first
    x *= 0x1p54;
    e = -54;
  }
  int fe = 0;
  double m = std::frexp(x, &fe);  // [0.5, 1)
  e += fe;
  if (m < 0x1.6a09e667f3bcdp-1) {
    m *= 2;
    --e;
  }
  const Tables& t = tables();
  const int i = static_cast<int>(std::floor(m * 64 + 0.5)) - 45;  // 0 .. 46
  // r = m invc - 1, exact: the product as a double-double, less 1.
  const DD prod = two_prod(m, t.invc[i]);
  const DD r = add(two_sum(prod.hi, -1.0), DD{prod.lo, 0});
  // log1p(r) = r (1 - r (1/2 - r (1/3 - ...))): 1/17 .. 1/9 in double.
  double q = 1.0 / 17;
  for (int n = 16; n >= 9; --n) q = (n % 2 ? 1.0 : -1.0) / n + r.hi * q;
  DD p{q, 0};
  for (int n = 8; n >= 1; --n) {
    const DD c = n % 2 ? t.inv_n[n] : DD{-t.inv_n[n].hi, -t.inv_n[n].lo};
    p = add(c, mul(p, r));
  }
  const DD log1p_r = mul(p, r);
  return add(add(mul(kLn2, static_cast<double>(e)), t.log_c[i]), log1p_r);
}

double round_dd(DD v) { return v.hi + v.lo; }

// ---- exp's fast path (Ziv's strategy)
// The same reduction as exp_dd, x = (64 k + j) ln2/64 + r, but in double
// arithmetic with a few exact steps, giving y = 2^(j/64) exp(r) as y.hi + y.lo
// with a relative error below 2^-64.5:
// - r = rh + rl: rh = x - nd L1 is exact (nd L1 fits 53 bits: |nd| < 2^17,
//   L1 has 36; Sterbenz for the difference), rl = -nd L2 is off by < 2^-78;
//   two_sum makes r = s + r.lo exactly, |s| <= ln2/128 + 2^-78 < 2^-7.5.
// - q = expm1(s) - s, by Horner to s^7/7! (the rest < 2^-75): relative error
//   < 3.2 * 2^-53, so < 2^-67.3 absolute (|q| < 2^-16); using s for r in it
//   < 2^-68; the coefficients' roundings < 2^-70.
// - p = s + q + r.lo, two_prod(T.hi, p.hi) exact, the small products and the
//   final sums (all below 2^-52 in magnitude) < 2^-100 each; the table < 2^-105.
// In all < 2^-65.3 absolute on y in [0.99, 2.02]. The exact path is good to
// about 2^-100, so with a margin of 2^-63 |y|: when y.hi + y.lo +- 2^-63 |y|
// round to the same double, both the true value and the exact path's
// double-double round to it, and the fast result is the exact path's.
constexpr double kLn2By64Hi = 0x1.62e42fefap-7;  // 36 significant bits
constexpr double kLn2By64Lo = (kLn2.hi / 64 - kLn2By64Hi) + kLn2.lo / 64;
constexpr double kExpFastMargin = 0x1p-63;

// y = exp(x) / 2^k as a double-double.
DD exp_fast_dd(double x, int& k) {
  const Tables& t = tables();
  // x 64/ln2 rounded to an integer (ties to even: |r| <= ln2/128 all the same)
  constexpr double kShift = 0x1.8p52;
  const double nd = (x * 0x1.71547652b82fep+6 + kShift) - kShift;
  const auto n = static_cast<long long>(nd);
  const auto j = static_cast<int>(n & 63);
  k = static_cast<int>((n - j) / 64);
  const DD r = two_sum(x - nd * kLn2By64Hi, -(nd * kLn2By64Lo));
  const double s = r.hi;
  const double q =
      s * s *
      (0.5 + s * (1.0 / 6 + s * (1.0 / 24 + s * (1.0 / 120 + s * (1.0 / 720 + s * (1.0 / 5040))))));
  DD p = fast_two_sum(s, q);
  p.lo += r.lo;
  const DD& scale = t.exp2_64[j];
  DD m = two_prod(scale.hi, p.hi);
  m.lo += scale.hi * p.lo + scale.lo * p.hi;
  DD y = fast_two_sum(scale.hi, m.hi);
  y.lo += scale.lo + m.lo;
  return fast_two_sum(y.hi, y.lo);
}

// Whether every value within the margin of y rounds to y.hi (rounding is
// monotonic, so the two ends decide).
bool rounds_surely(DD y, double margin) {
  const double e = std::fabs(y.hi) * margin;
  return y.hi + (y.lo - e) == y.hi && y.hi + (y.lo + e) == y.hi;
}

// 2^k y for a y near 1 whose product is normal or overflows.
double scale_by(double y, int k) {
  if (k > -1022 && k < 1023) return y * std::bit_cast<double>(static_cast<std::uint64_t>(1023 + k) << 52);
  return std::ldexp(y, k);
}

bool is_integer(double y) { return std::floor(y) == y; }
bool is_odd_integer(double y) { return is_integer(y) && std::fabs(y) < 0x1p53 && std::fmod(y, 2.0) != 0; }

// The double-double |x|^y for finite x != 0 and finite y (0 when it
// underflows, inf when it overflows), scaled by 2^k.
DD pow_dd(double ax, double y, int& k, double& special) {
  const DD t = mul(log_dd(ax), y);
  special = -1;
  if (t.hi > 710) special = kInf;
  else if (t.hi < -746) special = 0;
  if (special >= 0) return {};
  return exp_dd(t, k);
}

// C's special cases of pow; true when `out` holds the answer.
bool pow_special(double x, double y, double& out) {
  if (y == 0 || x == 1) return out = 1, true;
  if (std::isnan(x) || std::isnan(y)) return out = kNaN, true;
  const bool odd = is_odd_integer(y);
  if (x == 0) {
    const double mag = y < 0 ? kInf : 0;
    out = odd ? std::copysign(mag, x) : mag;
    return true;
  }
  if (std::isinf(y)) {
    const double ax = std::fabs(x);
    out = ax == 1 ? 1 : ((ax < 1) == (y < 0) ? kInf : 0);
    return true;
  }
  if (std::isinf(x)) {
    const double mag = y > 0 ? kInf : 0;
    out = (x < 0 && odd) ? -mag : mag;
    return true;
  }
  if (x < 0 && !is_integer(y)) return out = kNaN, true;
  return false;
}

// sin(r) and cos(r) for |r| <= pi/4 + a little, from their series.
DD sin_dd(DD r) {
  const DD r2 = mul(r, r);
  DD t{1, 0};
  for (int n = 27; n >= 3; n -= 2) t = add(DD{1, 0}, mul(div(r2, -static_cast<double>(n * (n - 1))), t));
  return mul(t, r);
}

DD cos_dd(DD r) {
  const DD r2 = mul(r, r);
  DD t{1, 0};
  for (int n = 28; n >= 2; n -= 2) t = add(DD{1, 0}, mul(div(r2, -static_cast<double>(n * (n - 1))), t));
  return t;
}

// ---- powf as glibc and musl compute it
// libvmaf's ADM takes cube roots with the C library's powf, which on glibc
// and musl (where the reference runs) is Arm's optimized-routines algorithm:
// log2(x) from a 16-interval table and a degree-5 polynomial, times y, then
// 2^t from a 32-entry table and a cubic, all in double, rounded once to float.
// It is not correctly rounded (up to 0.82 ulp), so a score is the
// reference's only if powf rounds as it does: the same steps here, in plain
// double arithmetic, give its results on every platform. The interval
// centres and polynomial coefficients are that algorithm's; the table values
// derived from them are computed here.
constexpr double kPowfInvC[16] = {
    0x1.661ec79f8f3bep+0, 0x1.571ed4aaf883dp+0, 0x1.49539f0f010bp+0,  0x1.3c995b0b80385p+0,
    0x1.30d190c8864a5p+0, 0x1.25e227b0b8eap+0,  0x1.1bb4a4a1a343fp+0, 0x1.12358f08ae5bap+0,
    0x1.0953f419900a7p+0, 0x1p+0,               0x1.e608cfd9a47acp-1, 0x1.ca4b31f026aap-1,
    0x1.b2036576afce6p-1, 0x1.9c2d163a1aa2dp-1, 0x1.886e6037841edp-1, 0x1.767dcf5534862p-1};
constexpr double kPowfLog2Poly[5] = {0x1.27616c9496e0bp-2, -0x1.71969a075c67ap-2, 0x1.ec70a6ca7baddp-2,
                                     -0x1.7154748bef6c8p-1, 0x1.71547652ab82bp0};
constexpr double kPowfExp2Poly[3] = {0x1.c6af84b912394p-5, 0x1.ebfce50fac4f3p-3, 0x1.62e42ff0c52d6p-1};

struct PowfTables {
  double logc[16];         // log2(1 / invc), correctly rounded
  std::uint64_t exp2[32];  // the bits of 2^(i/32), correctly rounded, less i << 47
};

const PowfTables& powf_tables() {
  static const PowfTables tables = [] {
    PowfTables t{};
    for (int i = 0; i < 16; ++i) t.logc[i] = -round_dd(mul(log_dd(kPowfInvC[i]), kLog2E));
    for (int i = 0; i < 32; ++i) {
      int k = 0;
      const DD v = exp_dd(mul(kLn2, i / 32.0), k);
      t.exp2[i] = std::bit_cast<std::uint64_t>(std::ldexp(round_dd(v), k)) - (static_cast<std::uint64_t>(i) << 47);
    }
    return t;
  }();
  return tables;
}

// log2 of the float whose bits are ix (a normal positive one, or a
// normalised subnormal whose exponent field went below zero).
double powf_log2(std::uint32_t ix) {
  const PowfTables& t = powf_tables();
  const std::uint32_t from = ix - 0x3f330000u;  // z below lands in [0x1.66p-1, 0x1.66p0)
  const int i = static_cast<int>((from >> 19) % 16);
  const std::uint32_t top = from & 0xff800000u;
  const double z = static_cast<double>(std::bit_cast<float>(ix - top));
  const int k = static_cast<std::int32_t>(top) >> 23;
  const double r = z * kPowfInvC[i] - 1;
  const double y0 = t.logc[i] + static_cast<double>(k);
  const double* a = kPowfLog2Poly;
  const double r2 = r * r;
  double y = a[0] * r + a[1];
  const double p = a[2] * r + a[3];
  const double r4 = r2 * r2;
  double q = a[4] * r + y0;
  q = p * r2 + q;
  y = y * r4 + q;
  return y;
}

// 2^t for |t| < 150, negated when `negative`, rounded to float.
float powf_exp2(double t, std::uint64_t negative) {
  constexpr double kShift = 0x1.8p+52 / 32;  // t + kShift holds round(32 t) in its low bits
  double kd = t + kShift;
  const std::uint64_t ki = std::bit_cast<std::uint64_t>(kd);
  kd -= kShift;
  const double r = t - kd;
  const std::uint64_t scale =
      powf_tables().exp2[ki % 32] + ((ki + (negative << 16)) << 47);  // 2^(round(32 t)/32), signed
  const double s = std::bit_cast<double>(scale);
  const double* c = kPowfExp2Poly;
  const double z = c[0] * r + c[1];
  const double r2 = r * r;
  double y = c[2] * r + 1;
  y = z * r2 + y;
  y = y * s;
  return static_cast<float>(y);
}

}  // namespace

double exp(double x) {
  if (std::isnan(x)) return x;
  if (x > 709.8) return kInf;
  if (x < -745.2) return 0;
  if (x > -708) {  // a normal result: scaling by 2^k is exact
    int k = 0;
    const DD y = exp_fast_dd(x, k);
    if (rounds_surely(y, kExpFastMargin)) return scale_by(y.hi, k);
  }
  return detail::exp_exact(x);
}

namespace detail {

double exp_exact(double x) {
  if (std::isnan(x)) return x;
  if (x > 709.8) return kInf;
  if (x < -745.2) return 0;
  int k = 0;
  const DD v = exp_dd(DD{x, 0}, k);
  return std::ldexp(round_dd(v), k);
}

double exp_fast_unchecked(double x) {
  int k = 0;
  const DD y = exp_fast_dd(x, k);
  return std::ldexp(y.hi, k);
}

double exp_fast_error(double x) {
  int k = 0, k2 = 0;
  const DD fast = exp_fast_dd(x, k);
  DD exact = exp_dd(DD{x, 0}, k2);  // its k may differ by one at a tie
  exact = {std::ldexp(exact.hi, k2 - k), std::ldexp(exact.lo, k2 - k)};
  return ((fast.hi - exact.hi) + (fast.lo - exact.lo)) / exact.hi;
}

}  // namespace detail

double log(double x) {
  if (std::isnan(x) || x < 0) return kNaN;
  if (x == 0) return -kInf;
  if (std::isinf(x)) return x;
  return round_dd(log_dd(x));
}

double log2(double x) {
  if (std::isnan(x) || x < 0) return kNaN;
  if (x == 0) return -kInf;
  if (std::isinf(x)) return x;
  return round_dd(mul(log_dd(x), kLog2E));
}

double log10(double x) {
  if (std::isnan(x) || x < 0) return kNaN;
  if (x == 0) return -kInf;
  if (std::isinf(x)) return x;
  return round_dd(mul(log_dd(x), kLog10E));
}

double pow(double x, double y) {
  double out = 0;
  if (pow_special(x, y, out)) return out;
  int k = 0;
  double special = 0;
  const DD v = pow_dd(std::fabs(x), y, k, special);
  const double mag = special >= 0 ? special : std::ldexp(round_dd(v), k);
  return x < 0 && is_odd_integer(y) ? -mag : mag;
}

float powf(float x, float y) {
  double out = 0;
  if (pow_special(x, y, out)) return static_cast<float>(out);
  // Finite, non-zero x and y; x < 0 only with an integer y.
  std::uint32_t ix = std::bit_cast<std::uint32_t>(x);
  std::uint64_t sign = 0;
  if (ix & 0x80000000u) {
    if (is_odd_integer(y)) sign = 1;
    ix &= 0x7fffffffu;
  }
  if (ix < 0x00800000u) {  // subnormal: normalised, its exponent going below the bias
    ix = std::bit_cast<std::uint32_t>(std::fabs(x) * 0x1p23f) & 0x7fffffffu;
    ix -= 23u << 23;
  }
  const double ylogx = static_cast<double>(y) * powf_log2(ix);
  if (ylogx > 0x1.fffffffd1d571p+6) return sign ? -HUGE_VALF : HUGE_VALF;  // beyond float's range
  if (ylogx <= -150) return sign ? -0.0f : 0.0f;                            // below half the least subnormal
  return powf_exp2(ylogx, sign);
}

namespace {

// x = q pi/2 + r, |r| <= pi/4 (a little more at most): q mod 4 and r.
int quadrant(double x, DD& r) {
  const double q = std::floor(x * 0x1.45f306dc9c883p-1 + 0.5);  // nearest multiple of pi/2
  r = add(DD{x, 0}, mul(kPiOver2, -q));
  return static_cast<int>((static_cast<long long>(std::fmod(q, 4.0)) + 4) % 4);
}

}  // namespace

double cos(double x) {
  if (std::isnan(x) || std::isinf(x)) return kNaN;
  DD r;
  switch (quadrant(x, r)) {
    case 0: return round_dd(cos_dd(r));
    case 1: return -round_dd(sin_dd(r));
    case 2: return -round_dd(cos_dd(r));
    default: return round_dd(sin_dd(r));
  }
}

double sin(double x) {
  if (std::isnan(x) || std::isinf(x)) return kNaN;
  if (x == 0) return x;  // keeps -0
  DD r;
  switch (quadrant(x, r)) {
    case 0: return round_dd(sin_dd(r));
    case 1: return round_dd(cos_dd(r));
    case 2: return -round_dd(sin_dd(r));
    default: return -round_dd(cos_dd(r));
  }
}

}  // namespace pvt::exact
