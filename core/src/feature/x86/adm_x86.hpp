#pragma once
// x86 SIMD variants of the ADM scale passes; only call those the CPU supports.
#include "../kernels/adm_kernels.hpp"

namespace pvt::feature::kernels {

AdmFused adm_fused_avx2(int bpc);
AdmFused adm_fused_avx512(int bpc);

}  // namespace pvt::feature::kernels
