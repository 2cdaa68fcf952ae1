#include "float_load_kernels.hpp"
#include "pyvmaf_tiny/cpu.hpp"

#ifdef PVT_HAVE_X86_KERNELS
#include "../x86/float_x86.hpp"
#endif

namespace pvt::feature::kernels {

void float_load_u8_scalar(const std::uint8_t* in, int n, float inv_scale, float offset, float* out) {
  for (int j = 0; j < n; ++j) out[j] = static_cast<float>(in[j]) * inv_scale + offset;
}

void float_load_u16_scalar(const std::uint16_t* in, int n, float inv_scale, float offset, float* out) {
  for (int j = 0; j < n; ++j) out[j] = static_cast<float>(in[j]) * inv_scale + offset;
}

FloatLoadKernels select_float_load() {
#ifdef PVT_HAVE_X86_KERNELS
  switch (active_isa()) {
    case Isa::avx512: return float_load_kernels_avx512();
    case Isa::avx2: return float_load_kernels_avx2();
    default: break;
  }
#endif
  return {float_load_u8_scalar, float_load_u16_scalar};
}

}  // namespace pvt::feature::kernels
