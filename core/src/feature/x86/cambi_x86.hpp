#pragma once
// x86 SIMD variants of CAMBI's kernels; only call those the CPU supports.
#include "../kernels/cambi_kernels.hpp"

namespace pvt::feature::kernels {

CambiKernels cambi_kernels_avx2();
CambiKernels cambi_kernels_avx512();

}  // namespace pvt::feature::kernels
