// VIF kernels for AVX-512 (F, BW, VL, DQ).
#include "vif_avx512_isa.hpp"
#include "vif_simd.hpp"
#include "vif_x86.hpp"

namespace pvt::feature::kernels {

VifKernels vif_kernels_avx512() { return VifSimd<Avx512>::kernels(); }

}  // namespace pvt::feature::kernels
