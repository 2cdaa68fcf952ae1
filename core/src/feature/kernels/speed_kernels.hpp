#pragma once
// SpEED's covariance sums: sum over a height x width window of
// (x - mean_x)(y - mean_y), with x and y single-precision samples and the
// products summed in double.
//
// libvmaf 3.2 sums with AVX-512 on CPUs that have it (the oracle's) in this
// order, which every variant here reproduces exactly: per row, blocks of 16
// samples feed two sets of eight fused multiply-add chains (lanes 0-7 and
// 8-15), then blocks of 8 feed the first set, then the rest of the row adds
// to a separate unfused sum. The chains are added lane-wise, reduced as
// ((c4 + c0) + (c6 + c2)) + ((c5 + c1) + (c7 + c3)), and the unfused sum
// added last.
#include <cstddef>

namespace pvt::feature::kernels {

using SpeedCovFn = double (*)(const float* x, const float* y, std::ptrdiff_t stride, int height, int width,
                              double mean_x, double mean_y);

double speed_cov_scalar(const float* x, const float* y, std::ptrdiff_t stride, int height, int width,
                        double mean_x, double mean_y);

// The implementation for the active ISA (see cpu.hpp).
SpeedCovFn select_speed_cov();

}  // namespace pvt::feature::kernels
