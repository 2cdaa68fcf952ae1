#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "float_vif_kernels.hpp"
#include "pyvmaf_tiny/cpu.hpp"

#ifdef PVT_HAVE_X86_KERNELS
#include "../x86/float_x86.hpp"
#endif


namespace pvt::feature::kernels {
namespace {

float log2_approx(float x) {
  if (x == 0) return -std::numeric_limits<float>::infinity();
  if (x < 0) return std::numeric_limits<float>::quiet_NaN();
  const std::uint32_t u = std::bit_cast<std::uint32_t>(x);
  const float remain = std::bit_cast<float>((u & 0x007FFFFFu) | 0x3F800000u);
  const float base = static_cast<float>(static_cast<std::int32_t>((u & 0x7F800000u) >> 23) - 127);
  const float r = remain - 1.0f;
  float poly = 0.0f;
  for (float c : kLog2Poly) poly = poly * r + c;
  return base + poly;
}

struct PixelTerms {
  float num, den;
};

// The information-fidelity terms of one pixel from its filtered moments.
PixelTerms vif_terms(float mu1, float mu2, float xx, float yy, float xy, const FloatVifStatParams& p) {
  constexpr float eps = 1.0e-10f;
  float s1 = xx - mu1 * mu1;
  float s2 = yy - mu2 * mu2;
  const float s12 = xy - mu1 * mu2;
  s1 = s1 > 0.0f ? s1 : 0.0f;
  s2 = s2 > 0.0f ? s2 : 0.0f;
  float g = s12 / (s1 + eps);
  float sv = s2 - g * s12;
  if (s1 < eps) {
    g = 0.0f;
    sv = s2;
    s1 = 0.0f;
  }
  if (s2 < eps) {
    g = 0.0f;
    sv = 0.0f;
  }
  if (g < 0.0f) {
    sv = s2;
    g = 0.0f;
  }
  sv = sv > eps ? sv : eps;
  g = g < p.gain_limit ? g : p.gain_limit;
  // The divisions (and the sums with 1) are in double, as in libvmaf.
  float num = log2_approx(static_cast<float>(1.0 + static_cast<double>(g * g * s1) / (sv + p.sigma_nsq)));
  float den = log2_approx(static_cast<float>(1.0 + static_cast<double>(s1) / p.sigma_nsq));
  if (s12 < 0.0f) num = 0.0f;
  if (s1 < p.sigma_nsq) {
    num = 1.0f - s2 * p.sigma_max_inv;
    den = 1.0f;
  }
  return {num, den};
}

// Reflects the `r` samples beyond each end of row[0, w).
void reflect_ends(float* row, int w, int r) {
  for (int k = 1; k <= r; ++k) {
    row[-k] = row[k];
    row[w - 1 + k] = row[w - 1 - k];
  }
}

float hfilter(const float* row, int j, const float* taps, int n) {
  const float* s = row + j - n / 2;
  float acc = 0.0f;
  for (int k = 0; k < n; ++k) acc += taps[k] * s[k];
  return acc;
}

}  // namespace

FloatVifSums float_vif_stats_scalar(const FloatVifArgs& a, const FloatVifStatParams& p) {
  const int w = a.width, n = a.n_taps, r = n / 2;
  const auto stride = static_cast<std::ptrdiff_t>(float_vif_scratch_floats(w, n) / 10);
  float* v[5];
  for (int q = 0; q < 5; ++q) v[q] = a.scratch + q * stride + 16 + r;
  float total_num = 0.0f, total_den = 0.0f;
  for (int i = 0; i < a.height; ++i) {
    for (int j = 0; j < w; ++j) {
      float m1 = 0.0f, m2 = 0.0f, xx = 0.0f, yy = 0.0f, xy = 0.0f;
      for (int k = 0; k < n; ++k) {
        const float x = a.ref_rows[i - r + k][j], y = a.dis_rows[i - r + k][j], f = a.taps[k];
        m1 += f * x;
        m2 += f * y;
        xx += f * (x * x);
        yy += f * (y * y);
        xy += f * (x * y);
      }
      v[0][j] = m1, v[1][j] = m2, v[2][j] = xx, v[3][j] = yy, v[4][j] = xy;
    }
    for (float* row : v) reflect_ends(row, w, r);
    float row_num = 0.0f, row_den = 0.0f;
    for (int j = 0; j < w; ++j) {
      const PixelTerms t = vif_terms(hfilter(v[0], j, a.taps, n), hfilter(v[1], j, a.taps, n),
                                     hfilter(v[2], j, a.taps, n), hfilter(v[3], j, a.taps, n),
                                     hfilter(v[4], j, a.taps, n), p);
      row_num += t.num;
      row_den += t.den;
    }
    total_num += row_num;
    total_den += row_den;
  }
  return {total_num, total_den};
}

void float_vif_decimate_scalar(const FloatVifArgs& a, float* ref_out, float* dis_out, std::ptrdiff_t out_stride) {
  const int w = a.width, n = a.n_taps, r = n / 2;
  const auto stride = static_cast<std::ptrdiff_t>(float_vif_scratch_floats(w, n) / 10);
  float* vr = a.scratch + 16 + r;
  float* vd = a.scratch + stride + 16 + r;
  for (int i = 0; i < a.height / 2; ++i) {
    for (int j = 0; j < w; ++j) {
      float sr = 0.0f, sd = 0.0f;
      for (int k = 0; k < n; ++k) {
        sr += a.taps[k] * a.ref_rows[2 * i - r + k][j];
        sd += a.taps[k] * a.dis_rows[2 * i - r + k][j];
      }
      vr[j] = sr;
      vd[j] = sd;
    }
    reflect_ends(vr, w, r);
    reflect_ends(vd, w, r);
    for (int j = 0; j < w / 2; ++j) {
      ref_out[i * out_stride + j] = hfilter(vr, 2 * j, a.taps, n);
      dis_out[i * out_stride + j] = hfilter(vd, 2 * j, a.taps, n);
    }
  }
}

FloatVifKernels select_float_vif_kernels() {
#ifdef PVT_HAVE_X86_KERNELS
  switch (active_isa()) {
    case Isa::avx512: return float_vif_kernels_avx512();
    case Isa::avx2: return float_vif_kernels_avx2();
    default: break;
  }
#endif
  return {float_vif_stats_scalar, float_vif_decimate_scalar};
}

}  // namespace pvt::feature::kernels
