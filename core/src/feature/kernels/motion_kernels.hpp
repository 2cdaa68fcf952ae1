#pragma once
#include <cstdint>

#include "pyvmaf_tiny/picture.hpp"

namespace pvt::feature::kernels {

// Sum over the frame of |blur(prev - cur)|, where blur is the separable 5-tap
// filter {3571, 16004, 26386, 16004, 3571} with mirrored edges, rounded after
// each pass. `row` is scratch of prev.width int32 values.
using MotionSadFn = std::uint64_t (*)(const Plane& prev, const Plane& cur, std::int32_t* row);

std::uint64_t motion_sad_scalar(const Plane& prev, const Plane& cur, std::int32_t* row);

// The implementation for the active ISA (see simd.hpp).
MotionSadFn select_motion_sad(int bpc);

}  // namespace pvt::feature::kernels
