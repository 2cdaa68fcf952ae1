#pragma once
// x86 SIMD variants of the PSNR-HVS plane error; only call those the CPU supports.
#include "../kernels/psnr_hvs_kernels.hpp"

namespace pvt::feature::kernels {

float psnr_hvs_plane_avx2(const Plane& ref, const Plane& dist, int width, int height, HvsTable table);
float psnr_hvs_plane_avx512(const Plane& ref, const Plane& dist, int width, int height, HvsTable table);

}  // namespace pvt::feature::kernels
