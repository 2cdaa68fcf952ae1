#include <cmath>

#include "ssim_kernels.hpp"

namespace pvt::feature::kernels {
namespace {

// The low-pass is symmetric about its centre row and column and about its
// diagonal; this is its top-left quadrant, centre row and column included.
constexpr int kQuad = kMsSsimLowPass / 2 + 1;
constexpr float kLowPassQuadrant[kQuad][kQuad] = {
    {0.000714f, -0.000450f, -0.002090f, 0.007132f, 0.016114f},
    {-0.000450f, 0.000283f, 0.001316f, -0.004490f, -0.010146f},
    {-0.002090f, 0.001316f, 0.006115f, -0.020867f, -0.047149f},
    {0.007132f, -0.004490f, -0.020867f, 0.071207f, 0.160885f},
    {0.016114f, -0.010146f, -0.047149f, 0.160885f, 0.363505f},
};

constexpr std::array<float, kMsSsimLowPass * kMsSsimLowPass> expand_low_pass() {
  std::array<float, kMsSsimLowPass * kMsSsimLowPass> k{};
  constexpr int last = kMsSsimLowPass - 1;
  for (int v = 0; v < kMsSsimLowPass; ++v) {
    for (int u = 0; u < kMsSsimLowPass; ++u) {
      const int qv = v < kQuad ? v : last - v;
      const int qu = u < kQuad ? u : last - u;
      k[static_cast<std::size_t>(v * kMsSsimLowPass + u)] = kLowPassQuadrant[qv][qu];
    }
  }
  return k;
}

}  // namespace

const float kSsimGaussian[kSsimWindow] = {0.001028f, 0.007599f, 0.036001f, 0.109361f, 0.213006f, 0.266012f,
                                          0.213006f, 0.109361f, 0.036001f, 0.007599f, 0.001028f};

const std::array<float, kMsSsimLowPass * kMsSsimLowPass> kMsSsimLowPass2d = expand_low_pass();

SsimConstants ssim_constants() {
  // Kept in float variables so that every step rounds to float.
  const float k1 = 0.01f, k2 = 0.03f;
  const int dynamic_range = 255;
  const float a = k1 * static_cast<float>(dynamic_range);
  const float b = k2 * static_cast<float>(dynamic_range);
  SsimConstants c;
  c.c1 = a * a;
  c.c2 = b * b;
  c.c3 = c.c2 / 2.0f;
  return c;
}

void ssim_filter_row_scalar(const float* in, const float* taps, int n_taps, int out_width, double* acc,
                            float* out) {
  for (int x = 0; x < out_width; ++x) acc[x] = 0.0;
  for (int u = 0; u < n_taps; ++u) {
    const float t = taps[u];
    const float* src = in + u;
    for (int x = 0; x < out_width; ++x) {
      const float product = src[x] * t;
      acc[x] += static_cast<double>(product);
    }
  }
  for (int x = 0; x < out_width; ++x) out[x] = static_cast<float>(acc[x]);
}

void ssim_filter_column_scalar(const float* const* rows, const float* taps, int n_taps, int width, double* acc,
                               float* out) {
  for (int x = 0; x < width; ++x) acc[x] = 0.0;
  for (int v = 0; v < n_taps; ++v) {
    const float t = taps[v];
    const float* src = rows[v];
    for (int x = 0; x < width; ++x) {
      const float product = src[x] * t;
      acc[x] += static_cast<double>(product);
    }
  }
  for (int x = 0; x < width; ++x) out[x] = static_cast<float>(acc[x]);
}

void ssim_decimate_row_scalar(const float* const* rows, const float* taps, int taps_w, int taps_h, int factor,
                              int out_width, double* acc, float* out) {
  for (int x = 0; x < out_width; ++x) acc[x] = 0.0;
  for (int v = 0; v < taps_h; ++v) {
    const float* src = rows[v];
    for (int u = 0; u < taps_w; ++u) {
      const float t = taps[v * taps_w + u];
      const float* col = src + u;
      for (int x = 0; x < out_width; ++x) {
        const float product = col[static_cast<std::ptrdiff_t>(x) * factor] * t;
        acc[x] += static_cast<double>(product);
      }
    }
  }
  for (int x = 0; x < out_width; ++x) out[x] = static_cast<float>(acc[x]);
}

void ssim_accumulate_row_scalar(const float* mu1, const float* mu2, const float* xx, const float* yy,
                                const float* xy, int width, const SsimConstants& k, SsimSums& sums) {
  for (int x = 0; x < width; ++x) {
    const float m1 = mu1[x], m2 = mu2[x];
    // Variances and covariance in float; negative variances (rounding) become 0.
    float var1 = xx[x] - m1 * m1;
    float var2 = yy[x] - m2 * m2;
    if (0.0 > static_cast<double>(var1)) var1 = 0.0f;
    if (0.0 > static_cast<double>(var2)) var2 = 0.0f;
    const float cov = xy[x] - m1 * m2;
    const float var_product = var1 * var2;
    // libvmaf takes the square root in double and rounds it to float, which
    // equals the correctly rounded float square root; taking that directly
    // leaves no float -> double -> float round trip for a compiler to fold.
    const float sd_product = std::sqrt(var_product);

    const double l_num = 2.0 * static_cast<double>(m1) * static_cast<double>(m2) + static_cast<double>(k.c1);
    const float l_den = m1 * m1 + m2 * m2 + k.c1;
    const double l = l_num / static_cast<double>(l_den);

    const double c_num = 2.0 * static_cast<double>(sd_product) + static_cast<double>(k.c2);
    const float c_den = var1 + var2 + k.c2;
    const double c = c_num / static_cast<double>(c_den);

    // A flat, identical neighbourhood can leave a tiny negative covariance
    // while the deviations are zero; it counts as zero so that s = 1.
    const float cov_used = (cov < 0.0f && sd_product <= 0.0f) ? 0.0f : cov;
    const float s_float = (cov_used + k.c3) / (sd_product + k.c3);
    const double s = static_cast<double>(s_float);

    const double lc = l * c;
    sums.ssim += lc * s;
    sums.l += l;
    sums.c += c;
    sums.s += s;
  }
}

SsimKernels select_ssim_kernels() {
  return SsimKernels{ssim_filter_row_scalar, ssim_filter_column_scalar, ssim_decimate_row_scalar,
                     ssim_accumulate_row_scalar};
}

}  // namespace pvt::feature::kernels
