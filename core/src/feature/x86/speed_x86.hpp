#pragma once
// x86 SIMD variants of SpEED's covariance sum; only call those the CPU supports
// (the AVX2 one also needs FMA).
#include "../kernels/speed_kernels.hpp"

namespace pvt::feature::kernels {

double speed_cov_avx2(const float* x, const float* y, std::ptrdiff_t stride, int height, int width, double mean_x,
                      double mean_y);
double speed_cov_avx512(const float* x, const float* y, std::ptrdiff_t stride, int height, int width,
                        double mean_x, double mean_y);

}  // namespace pvt::feature::kernels
