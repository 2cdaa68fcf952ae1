#pragma once
// x86 SIMD variant of the 2x decimation; only call it where the CPU has AVX2.
#include "../kernels/decimate_kernels.hpp"

namespace pvt::feature::kernels {

void decimate_avx2(const Plane& src, void* dst, int w, int h);
// 8-bit pictures only.
FineSums decimate_pair_avx2(const Plane& ref, const Plane& dist, void* ref_out, void* dist_out, int w, int h);

}  // namespace pvt::feature::kernels
