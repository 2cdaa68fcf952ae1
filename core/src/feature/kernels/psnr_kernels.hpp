#pragma once
#include <cstdint>

#include "pyvmaf_tiny/picture.hpp"

namespace pvt::feature::kernels {

// Sum of squared differences between two planes of equal geometry. For 8-bit
// planes each row's sum is kept in 32 bits before it is added to the total
// (libvmaf's integer psnr does so; it only matters for rows wider than 66052
// samples); deeper planes add each 32-bit square straight to the total.
using PsnrSseFn = std::uint64_t (*)(const Plane& ref, const Plane& dist);

std::uint64_t psnr_sse_scalar(const Plane& ref, const Plane& dist);

// The implementation for the active ISA (see cpu.hpp).
PsnrSseFn select_psnr_sse(int bpc);

}  // namespace pvt::feature::kernels
