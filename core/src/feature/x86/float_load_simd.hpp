#pragma once
// Samples to floats (float_load_kernels.hpp) over a float vector ISA `I`.
// Include only from files compiled for that ISA. Integers below 2^24 convert
// to float exactly, so each lane is the scalar product and sum.
#include <cstdint>

#include "../kernels/float_load_kernels.hpp"

namespace pvt::feature::kernels {
namespace {

template <class I>
struct FloatLoadSimd {
  template <class T>
  static void run(const T* in, int n, float inv_scale, float offset, float* out) {
    const auto s = I::set1(inv_scale), o = I::set1(offset);
    int j = 0;
    for (; j + I::N <= n; j += I::N) I::store(out + j, I::add(I::mul(I::widen(in + j), s), o));
    for (; j < n; ++j) out[j] = static_cast<float>(in[j]) * inv_scale + offset;
  }
  static void u8(const std::uint8_t* in, int n, float inv_scale, float offset, float* out) {
    run(in, n, inv_scale, offset, out);
  }
  static void u16(const std::uint16_t* in, int n, float inv_scale, float offset, float* out) {
    run(in, n, inv_scale, offset, out);
  }
};

}  // namespace
}  // namespace pvt::feature::kernels
