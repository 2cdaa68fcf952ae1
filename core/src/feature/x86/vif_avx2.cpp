// VIF kernels for AVX2.
#include "vif_avx2_isa.hpp"
#include "vif_simd.hpp"
#include "vif_x86.hpp"

namespace pvt::feature::kernels {

VifKernels vif_kernels_avx2() { return VifSimd<Avx2>::kernels(); }

}  // namespace pvt::feature::kernels
