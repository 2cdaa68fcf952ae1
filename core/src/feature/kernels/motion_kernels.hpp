#pragma once
#include <cstdint>

#include "pyvmaf_tiny/picture.hpp"

namespace pvt::feature::kernels {

inline constexpr int kMotionTaps = 5;
inline constexpr std::int32_t kMotionFilter[kMotionTaps] = {3571, 16004, 26386, 16004, 3571};

// Mirrored index for edges: -1 -> 1, n -> n - 2.
inline int motion_mirror(int i, int n) {
  if (i < 0) return -i;
  if (i >= n) return 2 * n - i - 2;
  return i;
}

// Sum over the frame of |blur(prev - cur)|, where blur is the separable 5-tap
// filter {3571, 16004, 26386, 16004, 3571} with mirrored edges, rounded after
// each pass, over the output rows [row_begin, row_end) (the filter still
// mirrors at the frame's edges). `row` is scratch of prev.width int32 values.
using MotionSadFn = std::uint64_t (*)(const Plane& prev, const Plane& cur, std::int32_t* row, int row_begin,
                                      int row_end);

std::uint64_t motion_sad_scalar(const Plane& prev, const Plane& cur, std::int32_t* row, int row_begin,
                                int row_end);

// The implementation for the active ISA (see simd.hpp).
MotionSadFn select_motion_sad(int bpc);

}  // namespace pvt::feature::kernels
