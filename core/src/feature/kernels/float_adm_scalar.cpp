#include <cmath>

#include "../../common/exact_math.hpp"
#include "float_adm_kernels.hpp"
#include "pyvmaf_tiny/cpu.hpp"

#ifdef PVT_HAVE_X86_KERNELS
#include "../x86/float_x86.hpp"
#endif

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace pvt::feature::kernels {
namespace {

constexpr float kLo[4] = {0.482962913144690f, 0.836516303737469f, 0.224143868041857f, -0.129409522550921f};
constexpr float kHi[4] = {-0.129409522550921f, -0.224143868041857f, 0.836516303737469f, -0.482962913144690f};

float taps4(const float* f, float s0, float s1, float s2, float s3) {
  float acc = 0;
  acc += f[0] * s0;
  acc += f[1] * s1;
  acc += f[2] * s2;
  acc += f[3] * s3;
  return acc;
}

// Extends row[0, w) by row[-1] = row[1], row[w] = row[w - 1], row[w + 1] = row[w - 2].
void extend_row(float* row, int w) {
  row[-1] = row[1];
  row[w] = row[w - 1];
  row[w + 1] = row[w - 2];
}

inline float cube_or_pow(float x, const FloatAdmMaskArgs& a) { return a.cube ? x * x * x : exact::powf(x, a.p_norm); }

}  // namespace

float adm_ratio(float t, float d) {
#if defined(__SSE__) || defined(__x86_64__)
  const float xi = _mm_cvtss_f32(_mm_rcp_ss(_mm_set_ss(d)));
  return t * (xi + xi * (1.0f - d * xi));
#else
  return t / d;
#endif
}

void float_adm_dwt_scalar(const FloatAdmDwtArgs& a) {
  const int w = a.width, out_w = (w + 1) / 2;
  const auto row_stride = static_cast<std::ptrdiff_t>(float_adm_scratch_floats(w) / 4);
  float* lo = a.scratch + 8;
  float* hi = a.scratch + row_stride + 8;
  for (int i = 0; i < (a.height + 1) / 2; ++i) {
    const float* s0 = a.rows[2 * i - 1];
    const float* s1 = a.rows[2 * i];
    const float* s2 = a.rows[2 * i + 1];
    const float* s3 = a.rows[2 * i + 2];
    for (int j = 0; j < w; ++j) {
      lo[j] = taps4(kLo, s0[j], s1[j], s2[j], s3[j]);
      if (!a.approximation_only) hi[j] = taps4(kHi, s0[j], s1[j], s2[j], s3[j]);
    }
    extend_row(lo, w);
    if (!a.approximation_only) extend_row(hi, w);
    const std::ptrdiff_t o = i * a.stride;
    for (int j = 0; j < out_w; ++j) {
      const float* l = lo + 2 * j - 1;
      a.a[o + j] = taps4(kLo, l[0], l[1], l[2], l[3]);
      if (a.approximation_only) continue;
      a.v[o + j] = taps4(kHi, l[0], l[1], l[2], l[3]);
      const float* h = hi + 2 * j - 1;
      a.h[o + j] = taps4(kLo, h[0], h[1], h[2], h[3]);
      a.d[o + j] = taps4(kHi, h[0], h[1], h[2], h[3]);
    }
  }
}

void float_adm_decouple_scalar(const FloatAdmDecoupleArgs& a) {
  const float cos_1deg_sq = static_cast<float>(exact::cos(1.0 * 3.14159265358979323846 / 180.0) *
                                               exact::cos(1.0 * 3.14159265358979323846 / 180.0));
  constexpr float eps = 1e-30f;
  for (int i = a.top; i < a.bottom; ++i) {
    for (int j = a.left; j < a.right; ++j) {
      const std::ptrdiff_t o = i * a.stride + j;
      float o_b[3], t_b[3], rst[3];
      for (int b = 0; b < 3; ++b) {
        o_b[b] = a.ref.band[b][o];
        t_b[b] = a.dis.band[b][o];
        float k = adm_ratio(t_b[b], o_b[b] + eps);
        k = k < 0.0f ? 0.0f : (k > 1.0f ? 1.0f : k);
        rst[b] = k * o_b[b];
      }
      // Whether (h, v) of the two pictures are within one degree of each other.
      const float ot_dp = o_b[0] * t_b[0] + o_b[1] * t_b[1];
      const float o_mag_sq = o_b[0] * o_b[0] + o_b[1] * o_b[1];
      const float t_mag_sq = t_b[0] * t_b[0] + t_b[1] * t_b[1];
      const bool angle = ot_dp >= 0.0f && ot_dp * ot_dp >= cos_1deg_sq * o_mag_sq * t_mag_sq;
      for (int b = 0; b < 3; ++b) {
        float r = rst[b];
        const double t = t_b[b];
        if (angle && r > 0.0f) {
          const double g = r * a.gain_limit;
          r = static_cast<float>(g < t ? g : t);
        }
        if (angle && r < 0.0f) {
          const double g = r * a.gain_limit;
          r = static_cast<float>(g > t ? g : t);
        }
        const float csf_r = a.factor[b] * r;
        const float csf_a = a.factor[b] * (t_b[b] - r);
        a.csf_r.band[b][o] = csf_r;
        a.flt_r.band[b][o] = static_cast<float>(kAdmOneBy30 * std::fabs(csf_r));
        a.csf_a.band[b][o] = csf_a;
        a.flt_a.band[b][o] = static_cast<float>(kAdmOneBy30 * std::fabs(csf_a));
      }
    }
  }
}

float adm_threshold(const FloatAdmMaskArgs& a, int im, int i, int ip, int jm, int j, int jp) {
  const std::ptrdiff_t s = a.stride;
  float thr = 0.0f;
  for (int b = 0; b < 3; ++b) {
    const float* f = a.masker_flt.band[b];
    float sum = 0;
    sum += f[im * s + jm];
    sum += f[im * s + j];
    sum += f[im * s + jp];
    sum += f[i * s + jm];
    sum = static_cast<float>(sum + kAdmOneBy15 * std::fabs(a.masker.band[b][i * s + j]));
    sum += f[i * s + jp];
    sum += f[ip * s + jm];
    sum += f[ip * s + j];
    sum += f[ip * s + jp];
    thr += sum;
  }
  return thr;
}

FloatAdmSums float_adm_mask_scalar(const FloatAdmMaskArgs& a) {
  const std::ptrdiff_t s = a.stride;
  FloatAdmSums total;
  for (int i = a.top; i < a.bottom; ++i) {
    const int im = i > 0 ? i - 1 : 1, ip = i + 1 < a.height ? i + 1 : a.height - 1;
    float row[3] = {0, 0, 0};
    for (int j = a.left; j < a.right; ++j) {
      const int jm = j > 0 ? j - 1 : 1, jp = j + 1 < a.width ? j + 1 : a.width - 1;
      const float thr = a.bypass ? 0.0f : adm_threshold(a, im, i, ip, jm, j, jp);
      for (int b = 0; b < 3; ++b) {
        float x = std::fabs(a.x.band[b][i * s + j] * a.x_factor[b]) - thr;
        x = x < 0.0f ? 0.0f : x;
        row[b] += cube_or_pow(x, a);
      }
    }
    for (int b = 0; b < 3; ++b) total.band[b] += row[b];
  }
  return total;
}

FloatAdmKernels select_float_adm_kernels() {
#ifdef PVT_HAVE_X86_KERNELS
  switch (active_isa()) {
    case Isa::avx512: return float_adm_kernels_avx512();
    case Isa::avx2: return float_adm_kernels_avx2();
    default: break;
  }
#endif
  return {float_adm_dwt_scalar, float_adm_decouple_scalar, float_adm_mask_scalar};
}

}  // namespace pvt::feature::kernels
