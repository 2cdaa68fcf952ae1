#pragma once
// x86 SIMD variants of the VIF kernels; only call those the CPU supports.
#include "../kernels/vif_kernels.hpp"

namespace pvt::feature::kernels {

VifKernels vif_kernels_avx2();
VifKernels vif_kernels_avx2_vnni();    // also needs AVX-VNNI
VifKernels vif_kernels_avx512();
VifKernels vif_kernels_avx512_vnni();  // also needs AVX512-VNNI

}  // namespace pvt::feature::kernels
