#pragma once
// x86 SIMD variants of the CIEDE2000 kernel; only call those the CPU supports.
#include "../kernels/ciede_kernels.hpp"

namespace pvt::feature::kernels {

void ciede_avx2(const CiedePixels& ref, const CiedePixels& dist, std::size_t n, int bpc, float* out);
void ciede_avx512(const CiedePixels& ref, const CiedePixels& dist, std::size_t n, int bpc, float* out);

}  // namespace pvt::feature::kernels
