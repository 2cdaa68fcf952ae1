#pragma once
// x86 SIMD variants of the motion SAD; only call those the CPU supports.
#include "../kernels/motion_kernels.hpp"

namespace pvt::feature::kernels {

std::uint64_t motion_sad_avx2(const Plane& prev, const Plane& cur, std::int32_t* row, int row_begin, int row_end);
std::uint64_t motion_sad_avx512(const Plane& prev, const Plane& cur, std::int32_t* row, int row_begin, int row_end);

}  // namespace pvt::feature::kernels
