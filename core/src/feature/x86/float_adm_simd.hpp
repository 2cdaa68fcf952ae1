#pragma once
// The float ADM kernels written once over a float vector ISA `I`
// (float_avx2_isa.hpp, float_avx512_isa.hpp). Include only from files
// compiled for that ISA: everything here has internal linkage.
//
// Each lane repeats the scalar kernels' operations in their order, double
// steps included, and the reciprocal is the same RCPPS approximation as the
// scalar RCPSS, so bands and sums are bit-identical. Vectors may run past
// the last column into the padding of planes and scratch rows; those lanes
// are never summed. The row sums of the masking step are summed in column
// order, as the scalar kernel does.
#include <cmath>
#include <cstddef>

#include "../../common/exact_math.hpp"
#include "../kernels/float_adm_kernels.hpp"

namespace pvt::feature::kernels {
namespace {

template <class I>
struct FloatAdmSimd {
  using F = typename I::F;
  using D = typename I::D;

  static constexpr float kLo[4] = {0.482962913144690f, 0.836516303737469f, 0.224143868041857f,
                                   -0.129409522550921f};
  static constexpr float kHi[4] = {-0.129409522550921f, -0.224143868041857f, 0.836516303737469f,
                                   -0.482962913144690f};

  static F taps4(const float* f, F s0, F s1, F s2, F s3) {
    F acc = I::zero();
    acc = I::add(acc, I::mul(I::set1(f[0]), s0));
    acc = I::add(acc, I::mul(I::set1(f[1]), s1));
    acc = I::add(acc, I::mul(I::set1(f[2]), s2));
    acc = I::add(acc, I::mul(I::set1(f[3]), s3));
    return acc;
  }

  // Samples 2j - 1 .. 2j + 2 of row t for N consecutive j starting at 2j = p - t.
  static void quads(const float* p, F& m1, F& z, F& p1, F& p2) {
    F unused;
    I::deinterleave(p - 2, unused, m1);
    I::deinterleave(p, z, p1);
    I::deinterleave(p + 2, p2, unused);
  }

  static void dwt(const FloatAdmDwtArgs& a) {
    const int w = a.width, out_w = (w + 1) / 2;
    const auto row_stride = static_cast<std::ptrdiff_t>(float_adm_scratch_floats(w) / 4);
    float* lo = a.scratch + 8;
    float* hi = a.scratch + row_stride + 8;
    const bool all = !a.approximation_only;
    for (int i = 0; i < (a.height + 1) / 2; ++i) {
      const float* s0 = a.rows[2 * i - 1];
      const float* s1 = a.rows[2 * i];
      const float* s2 = a.rows[2 * i + 1];
      const float* s3 = a.rows[2 * i + 2];
      for (int j = 0; j < w; j += I::N) {
        const F x0 = I::load(s0 + j), x1 = I::load(s1 + j), x2 = I::load(s2 + j), x3 = I::load(s3 + j);
        I::store(lo + j, taps4(kLo, x0, x1, x2, x3));
        if (all) I::store(hi + j, taps4(kHi, x0, x1, x2, x3));
      }
      for (float* row : {lo, hi}) {
        row[-1] = row[1];
        row[w] = row[w - 1];
        row[w + 1] = row[w - 2];
        if (!all) break;
      }
      const std::ptrdiff_t o = i * a.stride;
      for (int j = 0; j < out_w; j += I::N) {
        F m1, z, p1, p2;
        quads(lo + 2 * j, m1, z, p1, p2);
        I::store(a.a + o + j, taps4(kLo, m1, z, p1, p2));
        if (!all) continue;
        I::store(a.v + o + j, taps4(kHi, m1, z, p1, p2));
        quads(hi + 2 * j, m1, z, p1, p2);
        I::store(a.h + o + j, taps4(kLo, m1, z, p1, p2));
        I::store(a.d + o + j, taps4(kHi, m1, z, p1, p2));
      }
    }
  }

  // (float)(c * (double)|x|) per lane.
  static F scaled_abs(F x, D c) {
    const F ax = I::abs(x);
    return I::narrow(I::dmul(c, I::lo(ax)), I::dmul(c, I::hi(ax)));
  }

  static void decouple(const FloatAdmDecoupleArgs& a) {
    const F cos_1deg_sq = I::set1(static_cast<float>(exact::cos(1.0 * 3.14159265358979323846 / 180.0) *
                                                      exact::cos(1.0 * 3.14159265358979323846 / 180.0)));
    const F eps = I::set1(1e-30f), zero = I::zero(), one = I::set1(1.0f);
    const D gain = I::dset1(a.gain_limit), by30 = I::dset1(kAdmOneBy30);
    for (int i = a.top; i < a.bottom; ++i) {
      for (int j = a.left; j < a.right; j += I::N) {
        const std::ptrdiff_t o = i * a.stride + j;
        F ob[3], tb[3], rst[3];
        for (int b = 0; b < 3; ++b) {
          ob[b] = I::load(a.ref.band[b] + o);
          tb[b] = I::load(a.dis.band[b] + o);
          const F x = I::add(ob[b], eps);
          const F xi = I::rcp(x);
          const F recip = I::add(xi, I::mul(xi, I::sub(one, I::mul(x, xi))));
          F k = I::mul(tb[b], recip);
          k = I::select(I::lt(k, zero), zero, I::select(I::gt(k, one), one, k));
          rst[b] = I::mul(k, ob[b]);
        }
        const F ot_dp = I::add(I::mul(ob[0], tb[0]), I::mul(ob[1], tb[1]));
        const F o_mag_sq = I::add(I::mul(ob[0], ob[0]), I::mul(ob[1], ob[1]));
        const F t_mag_sq = I::add(I::mul(tb[0], tb[0]), I::mul(tb[1], tb[1]));
        const auto angle = I::mand(I::ge(ot_dp, zero),
                                   I::ge(I::mul(ot_dp, ot_dp), I::mul(I::mul(cos_1deg_sq, o_mag_sq), t_mag_sq)));
        for (int b = 0; b < 3; ++b) {
          F r = rst[b];
          const D tlo = I::lo(tb[b]), thi = I::hi(tb[b]);
          const F up = I::narrow(I::dmin(I::dmul(I::lo(r), gain), tlo), I::dmin(I::dmul(I::hi(r), gain), thi));
          r = I::select(I::mand(angle, I::gt(r, zero)), up, r);
          const F down = I::narrow(I::dmax(I::dmul(I::lo(r), gain), tlo), I::dmax(I::dmul(I::hi(r), gain), thi));
          r = I::select(I::mand(angle, I::lt(r, zero)), down, r);
          const F factor = I::set1(a.factor[b]);
          const F csf_r = I::mul(factor, r);
          const F csf_a = I::mul(factor, I::sub(tb[b], r));
          I::store(a.csf_r.band[b] + o, csf_r);
          I::store(a.flt_r.band[b] + o, scaled_abs(csf_r, by30));
          I::store(a.csf_a.band[b] + o, csf_a);
          I::store(a.flt_a.band[b] + o, scaled_abs(csf_a, by30));
        }
      }
    }
  }

  // The masking threshold (adm_threshold) for N columns from j, none at an edge.
  static F threshold(const FloatAdmMaskArgs& a, int im, int i, int ip, int j, D by15) {
    const std::ptrdiff_t s = a.stride;
    F thr = I::zero();
    for (int b = 0; b < 3; ++b) {
      const float* f = a.masker_flt.band[b];
      F sum = I::zero();
      sum = I::add(sum, I::load(f + im * s + j - 1));
      sum = I::add(sum, I::load(f + im * s + j));
      sum = I::add(sum, I::load(f + im * s + j + 1));
      sum = I::add(sum, I::load(f + i * s + j - 1));
      const F c = I::abs(I::load(a.masker.band[b] + i * s + j));
      sum = I::narrow(I::dadd(I::lo(sum), I::dmul(by15, I::lo(c))), I::dadd(I::hi(sum), I::dmul(by15, I::hi(c))));
      sum = I::add(sum, I::load(f + i * s + j + 1));
      sum = I::add(sum, I::load(f + ip * s + j - 1));
      sum = I::add(sum, I::load(f + ip * s + j));
      sum = I::add(sum, I::load(f + ip * s + j + 1));
      thr = I::add(thr, sum);
    }
    return thr;
  }

  static FloatAdmSums mask(const FloatAdmMaskArgs& a) {
    const std::ptrdiff_t s = a.stride;
    const int w = a.width, h = a.height;
    const D by15 = I::dset1(kAdmOneBy15);
    const F zero = I::zero();
    // Interior columns, where j - 1 and j + 1 need no reflection.
    const int vec_left = a.left > 1 ? a.left : 1, vec_right = a.right < w - 1 ? a.right : w - 1;
    float* term[3];
    for (int b = 0; b < 3; ++b) term[b] = a.scratch + b * (static_cast<std::ptrdiff_t>(w) + 64) + 16;
    FloatAdmSums total;
    for (int i = a.top; i < a.bottom; ++i) {
      const int im = i > 0 ? i - 1 : 1, ip = i + 1 < h ? i + 1 : h - 1;
      // Each pixel's x^p into term[b][j], then the row sums in column order.
      const auto edge = [&](int j) {
        const int jm = j > 0 ? j - 1 : 1, jp = j + 1 < w ? j + 1 : w - 1;
        const float thr = a.bypass ? 0.0f : adm_threshold(a, im, i, ip, jm, j, jp);
        for (int b = 0; b < 3; ++b) {
          float x = std::fabs(a.x.band[b][i * s + j] * a.x_factor[b]) - thr;
          x = x < 0.0f ? 0.0f : x;
          term[b][j] = x;
        }
      };
      if (a.left < vec_left) edge(a.left);
      for (int j = vec_left; j < vec_right; j += I::N) {
        const F thr = a.bypass ? zero : threshold(a, im, i, ip, j, by15);
        for (int b = 0; b < 3; ++b) {
          F x = I::sub(I::abs(I::mul(I::load(a.x.band[b] + i * s + j), I::set1(a.x_factor[b]))), thr);
          x = I::select(I::lt(x, zero), zero, x);
          I::store(term[b] + j, x);
        }
      }
      if (vec_right < a.right) edge(a.right - 1);
      for (int b = 0; b < 3; ++b) {
        float row = 0.0f;
        const float* t = term[b];
        if (a.cube) {
          for (int j = a.left; j < a.right; ++j) row += t[j] * t[j] * t[j];
        } else {
          for (int j = a.left; j < a.right; ++j) row += exact::powf(t[j], a.p_norm);
        }
        total.band[b] += row;
      }
    }
    return total;
  }
};

}  // namespace
}  // namespace pvt::feature::kernels
