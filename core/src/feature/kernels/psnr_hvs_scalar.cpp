#include <cmath>
#include <cstdlib>
#include <limits>

#include "psnr_hvs_common.hpp"
#include "psnr_hvs_kernels.hpp"
#include "pyvmaf_tiny/cpu.hpp"

#ifdef PVT_HAVE_X86_KERNELS
#include "../x86/psnr_hvs_x86.hpp"
#endif


namespace pvt::feature::kernels {
namespace {

template <class T>
void load_block(const Plane& p, int x, int y, std::int32_t* out) {
  for (int i = 0; i < kHvsBlock; ++i) {
    const T* row = p.row<T>(y + i) + x;
    for (int j = 0; j < kHvsBlock; ++j) out[i * kHvsBlock + j] = row[j];
  }
}

// The block's masking strength: its AC energy weighted by `mask`, scaled by
// the ratio of its quadrant variances to its whole variance.
float block_masking(const std::int32_t* px, std::int32_t* coeffs, const HvsWeights& w) {
  float mean = 0.0f;
  float quad_mean[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  for (int i = 0; i < kHvsBlock; ++i)
    for (int j = 0; j < kHvsBlock; ++j) {
      const float v = static_cast<float>(px[i * kHvsBlock + j]);
      mean += v;
      quad_mean[hvs_quadrant(i, j)] += v;
    }
  mean /= 64.0f;
  for (float& m : quad_mean) m /= 16.0f;
  float var = 0.0f;
  float quad_var[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  for (int i = 0; i < kHvsBlock; ++i)
    for (int j = 0; j < kHvsBlock; ++j) {
      const float v = static_cast<float>(px[i * kHvsBlock + j]);
      const int q = hvs_quadrant(i, j);
      var += (v - mean) * (v - mean);
      quad_var[q] += (v - quad_mean[q]) * (v - quad_mean[q]);
    }
  var *= kHvsWholeVarScale;
  for (float& v : quad_var) v *= kHvsQuadVarScale;
  if (var > 0.0f) var = (quad_var[0] + quad_var[1] + quad_var[2] + quad_var[3]) / var;

  hvs_fdct8x8(px, coeffs);
  float energy = 0.0f;
  for (int k = 1; k < 64; ++k) energy += static_cast<float>(coeffs[k] * coeffs[k]) * w.mask[k];
  return static_cast<float>(std::sqrt(static_cast<double>(energy * var)) / 32.0);
}

template <class T>
float plane_error(const Plane& ref, const Plane& dist, int width, int height, HvsTable table) {
  const HvsWeights& w = hvs_weights(table);
  float total = 0.0f;
  int count = 0;
  std::int32_t s[64], d[64], cs[64], cd[64];
  for (int y = 0; y < height - 7; y += kHvsStep) {
    for (int x = 0; x < width - 7; x += kHvsStep) {
      load_block<T>(ref, x, y, s);
      load_block<T>(dist, x, y, d);
      float masking = block_masking(s, cs, w);
      const float dist_masking = block_masking(d, cd, w);
      if (dist_masking > masking) masking = dist_masking;
      for (int k = 0; k < 64; ++k) {
        float err = static_cast<float>(std::abs(cs[k] - cd[k]));
        if (k != 0) {
          const float threshold = masking / w.mask[k];
          err = err < threshold ? 0.0f : err - threshold;
        }
        total += (err * w.csf[k]) * (err * w.csf[k]);
      }
      count += 64;
    }
  }
  return hvs_normalise(total, count, ref.bpc);
}

}  // namespace

float psnr_hvs_plane_scalar(const Plane& ref, const Plane& dist, int width, int height, HvsTable table) {
  return ref.bpc == 8 ? plane_error<std::uint8_t>(ref, dist, width, height, table)
                      : plane_error<std::uint16_t>(ref, dist, width, height, table);
}

PsnrHvsPlaneFn select_psnr_hvs_plane() {
#ifdef PVT_HAVE_X86_KERNELS
  switch (active_isa()) {
    case Isa::avx512: return psnr_hvs_plane_avx512;
    case Isa::avx2: return psnr_hvs_plane_avx2;
    case Isa::scalar:
    case Isa::neon: break;  // no NEON kernels yet: scalar
  }
#endif
  return psnr_hvs_plane_scalar;
}

}  // namespace pvt::feature::kernels
