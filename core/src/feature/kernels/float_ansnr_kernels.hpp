#pragma once
// libvmaf's float ANSNR (float_ansnr): the reference low-passed by a 3x3
// binomial filter, the distorted picture by a 5x5 filter, and the signal and
// noise energies of the two. Each filtered sample sums its filter rows in
// order, each row's products in order, in float. libvmaf reflects the edges
// unevenly: about the first sample (-1 -> 1, -2 -> 2) but after the last,
// repeating it (n -> n - 1, n + 1 -> n - 2).
//
// The scalar kernel is the reference; every SIMD variant gives bit-identical
// sums for every size.
#include <cstddef>

namespace pvt::feature::kernels {

// Rows [-2, height + 2) of both planes addressable, each with columns
// [-2, width + 2) filled by that reflection.
struct FloatAnsnrArgs {
  const float* const* ref_rows = nullptr;
  const float* const* dis_rows = nullptr;
  int width = 0, height = 0;
  float* scratch = nullptr;  // float_ansnr_scratch_floats(width), 64-byte aligned
};
constexpr std::size_t float_ansnr_scratch_floats(int width) { return 2 * (static_cast<std::size_t>(width) + 64); }

// Signal: sum of filtered reference squared; noise: sum of the squared
// difference of the filtered pictures; each in float, row by row, the row
// sums then summed in order.
struct FloatAnsnrSums {
  float signal = 0.0f;
  float noise = 0.0f;
};
using FloatAnsnrFn = FloatAnsnrSums (*)(const FloatAnsnrArgs& a);

inline constexpr float kAnsnrRefFilter[9] = {1.0f / 16, 2.0f / 16, 1.0f / 16, 2.0f / 16, 4.0f / 16,
                                             2.0f / 16, 1.0f / 16, 2.0f / 16, 1.0f / 16};
inline constexpr float kAnsnrDisFilter[25] = {
    static_cast<float>(2.0 / 571),  static_cast<float>(7.0 / 571),   static_cast<float>(12.0 / 571),
    static_cast<float>(7.0 / 571),  static_cast<float>(2.0 / 571),   static_cast<float>(7.0 / 571),
    static_cast<float>(31.0 / 571), static_cast<float>(52.0 / 571),  static_cast<float>(31.0 / 571),
    static_cast<float>(7.0 / 571),  static_cast<float>(12.0 / 571),  static_cast<float>(52.0 / 571),
    static_cast<float>(127.0 / 571), static_cast<float>(52.0 / 571), static_cast<float>(12.0 / 571),
    static_cast<float>(7.0 / 571),  static_cast<float>(31.0 / 571),  static_cast<float>(52.0 / 571),
    static_cast<float>(31.0 / 571), static_cast<float>(7.0 / 571),   static_cast<float>(2.0 / 571),
    static_cast<float>(7.0 / 571),  static_cast<float>(12.0 / 571),  static_cast<float>(7.0 / 571),
    static_cast<float>(2.0 / 571)};

FloatAnsnrSums float_ansnr_scalar(const FloatAnsnrArgs& a);

FloatAnsnrFn select_float_ansnr();

}  // namespace pvt::feature::kernels
