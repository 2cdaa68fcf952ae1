#pragma once
// The float VIF kernels written once over a float vector ISA `I`
// (float_avx2_isa.hpp, float_avx512_isa.hpp). Include only from files
// compiled for that ISA: everything here has internal linkage.
//
// A scale is processed row by row, as the scalar kernels do: a vertical pass
// over whole vectors of columns into scratch rows, the rows reflected at
// their ends, a horizontal pass over vectors of columns, then the pointwise
// statistic. Each lane repeats the scalar operations in the same order,
// including the double-precision steps, so planes and sums are
// bit-identical. Vectors may run past the last column: planes (FloatPlane)
// and scratch rows are padded, and those lanes are never summed or stored
// as samples.
#include <cmath>
#include <cstddef>
#include <limits>
#include <utility>

#include "../kernels/float_vif_kernels.hpp"
#include "float_conv_simd.hpp"

namespace pvt::feature::kernels {
namespace {

template <class I>
struct FloatVifSimd {
  using F = typename I::F;
  using D = typename I::D;

  static F log2_approx(F x) {
    const auto u = I::bits(x);
    const F remain = I::from_bits(I::ior(I::iand(u, I::iset1(0x007FFFFF)), I::iset1(0x3F800000)));
    const F base = I::to_float(I::isub(I::template srli<23>(I::iand(u, I::iset1(0x7F800000))), I::iset1(127)));
    const F r = I::sub(remain, I::set1(1.0f));
    F poly = I::zero();
#pragma GCC unroll 9
    for (int i = 0; i < 9; ++i) poly = I::add(I::mul(poly, r), I::set1(kLog2Poly[i]));
    F out = I::add(base, poly);
    out = I::select(I::lt(x, I::zero()), I::set1(std::numeric_limits<float>::quiet_NaN()), out);
    return I::select(I::eq(x, I::zero()), I::set1(-std::numeric_limits<float>::infinity()), out);
  }

  // (float)(1.0 + (double)a / ((double)b + c)) per lane.
  static F one_plus_ratio(F a, F b, D c) {
    const D one = I::dset1(1.0);
    const D lo = I::dadd(one, I::ddiv(I::lo(a), I::dadd(I::lo(b), c)));
    const D hi = I::dadd(one, I::ddiv(I::hi(a), I::dadd(I::hi(b), c)));
    return I::narrow(lo, hi);
  }

  struct StatConsts {
    F eps, limit, max_inv, nsq_f, zero, one;
    D nsq, inv_nsq;
    bool nsq_pow2;  // x / nsq is x * (1 / nsq) exactly
  };

  static void terms(F mu1, F mu2, F xx, F yy, F xy, const StatConsts& c, F& num, F& den) {
    F s1 = I::sub(xx, I::mul(mu1, mu1));
    F s2 = I::sub(yy, I::mul(mu2, mu2));
    const F s12 = I::sub(xy, I::mul(mu1, mu2));
    s1 = I::max(s1, c.zero);
    s2 = I::max(s2, c.zero);
    F g = I::div(s12, I::add(s1, c.eps));
    F sv = I::sub(s2, I::mul(g, s12));
    auto m = I::lt(s1, c.eps);
    g = I::select(m, c.zero, g);
    sv = I::select(m, s2, sv);
    s1 = I::select(m, c.zero, s1);
    m = I::lt(s2, c.eps);
    g = I::select(m, c.zero, g);
    sv = I::select(m, c.zero, sv);
    m = I::lt(g, c.zero);
    sv = I::select(m, s2, sv);
    g = I::select(m, c.zero, g);
    sv = I::max(sv, c.eps);
    g = I::min(g, c.limit);
    num = log2_approx(one_plus_ratio(I::mul(I::mul(g, g), s1), sv, c.nsq));
    if (c.nsq_pow2) {
      const D one = I::dset1(1.0);
      den = log2_approx(I::narrow(I::dadd(one, I::dmul(I::lo(s1), c.inv_nsq)), I::dadd(one, I::dmul(I::hi(s1), c.inv_nsq))));
    } else {
      den = log2_approx(one_plus_ratio(s1, c.zero, c.nsq));
    }
    num = I::select(I::lt(s12, c.zero), c.zero, num);
    m = I::lt(s1, c.nsq_f);
    num = I::select(m, I::sub(c.one, I::mul(s2, c.max_inv)), num);
    den = I::select(m, c.one, den);
  }

  static void reflect_ends(float* row, int w, int r) {
    for (int k = 1; k <= r; ++k) {
      row[-k] = row[k];
      row[w - 1 + k] = row[w - 1 - k];
    }
  }

  static FloatVifSums stats(const FloatVifArgs& a, const FloatVifStatParams& p) {
    const int w = a.width, n = a.n_taps, r = n / 2;
    const auto stride = static_cast<std::ptrdiff_t>(float_vif_scratch_floats(w, n) / 10);
    float* v[5];
    for (int q = 0; q < 5; ++q) v[q] = a.scratch + q * stride + 16 + r;
    float* num_row = a.scratch + 5 * stride + 16;
    float* den_row = a.scratch + 6 * stride + 16;
    StatConsts c;
    c.eps = I::set1(1.0e-10f);
    c.limit = I::set1(p.gain_limit);
    c.max_inv = I::set1(p.sigma_max_inv);
    // s1 < nsq compares a float with a double: against the least float not below nsq.
    float nsq_f = static_cast<float>(p.sigma_nsq);
    if (static_cast<double>(nsq_f) < p.sigma_nsq) nsq_f = std::nextafter(nsq_f, std::numeric_limits<float>::infinity());
    c.nsq_f = I::set1(nsq_f);
    c.zero = I::zero();
    c.one = I::set1(1.0f);
    c.nsq = I::dset1(p.sigma_nsq);
    int exponent = 0;
    c.nsq_pow2 = p.sigma_nsq > 0 && std::frexp(p.sigma_nsq, &exponent) == 0.5 && exponent > -1000 && exponent < 1000;
    c.inv_nsq = I::dset1(1.0 / p.sigma_nsq);
    float total_num = 0.0f, total_den = 0.0f;
    for (int i = 0; i < a.height; ++i) {
      for (int j = 0; j < w; j += I::N) {
        F m1 = I::zero(), m2 = I::zero(), xx = I::zero(), yy = I::zero(), xy = I::zero();
        for (int k = 0; k < n; ++k) {
          const F f = I::set1(a.taps[k]);
          const F x = I::load(a.ref_rows[i - r + k] + j), y = I::load(a.dis_rows[i - r + k] + j);
          m1 = I::add(m1, I::mul(f, x));
          m2 = I::add(m2, I::mul(f, y));
          xx = I::add(xx, I::mul(f, I::mul(x, x)));
          yy = I::add(yy, I::mul(f, I::mul(y, y)));
          xy = I::add(xy, I::mul(f, I::mul(x, y)));
        }
        I::store(v[0] + j, m1);
        I::store(v[1] + j, m2);
        I::store(v[2] + j, xx);
        I::store(v[3] + j, yy);
        I::store(v[4] + j, xy);
      }
      for (float* row : v) reflect_ends(row, w, r);
      for (int j = 0; j < w; j += I::N) {
        F h0 = I::zero(), h1 = I::zero(), h2 = I::zero(), h3 = I::zero(), h4 = I::zero();
        for (int k = 0; k < n; ++k) {
          const F f = I::set1(a.taps[k]);
          const std::ptrdiff_t o = j - r + k;
          h0 = I::add(h0, I::mul(f, I::load(v[0] + o)));
          h1 = I::add(h1, I::mul(f, I::load(v[1] + o)));
          h2 = I::add(h2, I::mul(f, I::load(v[2] + o)));
          h3 = I::add(h3, I::mul(f, I::load(v[3] + o)));
          h4 = I::add(h4, I::mul(f, I::load(v[4] + o)));
        }
        F num, den;
        terms(h0, h1, h2, h3, h4, c, num, den);
        I::store(num_row + j, num);
        I::store(den_row + j, den);
      }
      float row_num = 0.0f, row_den = 0.0f;
      for (int j = 0; j < w; ++j) {
        row_num += num_row[j];
        row_den += den_row[j];
      }
      total_num += row_num;
      total_den += row_den;
    }
    return {total_num, total_den};
  }

  static void decimate(const FloatVifArgs& a, float* ref_out, float* dis_out, std::ptrdiff_t out_stride) {
    const int w = a.width, n = a.n_taps, r = n / 2;
    const auto stride = static_cast<std::ptrdiff_t>(float_vif_scratch_floats(w, n) / 10);
    float* vr = a.scratch + 16 + r;
    float* vd = a.scratch + stride + 16 + r;
    float* full = a.scratch + 2 * stride + 16;
    for (int i = 0; i < a.height / 2; ++i) {
      FloatConv<I>::vertical(a.ref_rows, 2 * i, w, a.taps, n, vr);
      FloatConv<I>::vertical(a.dis_rows, 2 * i, w, a.taps, n, vd);
      reflect_ends(vr, w, r);
      reflect_ends(vd, w, r);
      for (auto [src, dst] : {std::pair{vr, ref_out}, std::pair{vd, dis_out}}) {
        FloatConv<I>::horizontal(src, w, a.taps, n, full);
        float* o = dst + i * out_stride;
        for (int j = 0; j < w / 2; ++j) o[j] = full[2 * j];
      }
    }
  }
};

}  // namespace
}  // namespace pvt::feature::kernels
