#include <cmath>

#include "../../platform/cpu_features.hpp"
#include "pyvmaf_tiny/cpu.hpp"
#include "speed_kernels.hpp"

#ifdef PVT_HAVE_X86_KERNELS
#include "../x86/speed_x86.hpp"
#endif

namespace pvt::feature::kernels {

double speed_cov_scalar(const float* x, const float* y, std::ptrdiff_t stride, int height, int width,
                        double mean_x, double mean_y) {
  double chain[16] = {};  // lanes 0-7: first set, 8-15: second set
  double rest = 0.0;
  for (int i = 0; i < height; ++i) {
    const float* rx = x + i * stride;
    const float* ry = y + i * stride;
    int j = 0;
    for (; j + 15 < width; j += 16)
      for (int l = 0; l < 16; ++l)
        chain[l] = std::fma(static_cast<double>(rx[j + l]) - mean_x, static_cast<double>(ry[j + l]) - mean_y, chain[l]);
    for (; j + 7 < width; j += 8)
      for (int l = 0; l < 8; ++l)
        chain[l] = std::fma(static_cast<double>(rx[j + l]) - mean_x, static_cast<double>(ry[j + l]) - mean_y, chain[l]);
    for (; j < width; ++j) rest += (static_cast<double>(rx[j]) - mean_x) * (static_cast<double>(ry[j]) - mean_y);
  }
  double c[8];
  for (int l = 0; l < 8; ++l) c[l] = chain[8 + l] + chain[l];
  return (((c[4] + c[0]) + (c[6] + c[2])) + ((c[5] + c[1]) + (c[7] + c[3]))) + rest;
}

#ifdef PVT_HAVE_X86_KERNELS
namespace {
bool fma_supported() { return platform::cpu_features().fma; }
}  // namespace
#endif

SpeedCovFn select_speed_cov() {
#ifdef PVT_HAVE_X86_KERNELS
  switch (active_isa()) {
    case Isa::avx512: return speed_cov_avx512;
    case Isa::avx2:
      if (fma_supported()) return speed_cov_avx2;
      break;
    case Isa::scalar:
    case Isa::neon: break;  // no NEON kernels yet: scalar
  }
#endif
  return speed_cov_scalar;
}

}  // namespace pvt::feature::kernels
