#pragma once
// x86 SIMD variants of the ADM scale passes; only call those the CPU supports.
#include "../kernels/adm_kernels.hpp"

namespace pvt::feature::kernels {

AdmFused adm_fused_avx2(int bpc);
AdmFused adm_fused_avx2_vnni(int bpc);    // also needs AVX-VNNI
AdmFused adm_fused_avx512(int bpc);
AdmFused adm_fused_avx512_vnni(int bpc);  // also needs AVX512-VNNI

}  // namespace pvt::feature::kernels
