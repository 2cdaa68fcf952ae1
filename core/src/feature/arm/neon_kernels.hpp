#pragma once
// NEON variants of the kernels (aarch64 builds only; every aarch64 CPU has NEON).
#include <cstdint>

#include "../kernels/adm_kernels.hpp"
#include "../kernels/motion_kernels.hpp"
#include "../kernels/vif_kernels.hpp"

namespace pvt::feature::kernels {

VifKernels vif_kernels_neon();
AdmFused adm_fused_neon(int bpc);
std::uint64_t motion_sad_neon(const Plane& prev, const Plane& cur, std::int32_t* row, int row_begin, int row_end);

}  // namespace pvt::feature::kernels
