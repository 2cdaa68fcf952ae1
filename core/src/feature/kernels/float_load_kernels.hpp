#pragma once
// Samples to floats the way libvmaf's picture_copy makes them:
// out[j] = (float)in[j] * inv_scale + offset, where inv_scale is a power of
// two (so the product equals libvmaf's division by the scale).
#include <cstdint>

namespace pvt::feature::kernels {

using FloatLoadU8Fn = void (*)(const std::uint8_t* in, int n, float inv_scale, float offset, float* out);
using FloatLoadU16Fn = void (*)(const std::uint16_t* in, int n, float inv_scale, float offset, float* out);

struct FloatLoadKernels {
  FloatLoadU8Fn u8;
  FloatLoadU16Fn u16;
};

void float_load_u8_scalar(const std::uint8_t* in, int n, float inv_scale, float offset, float* out);
void float_load_u16_scalar(const std::uint16_t* in, int n, float inv_scale, float offset, float* out);

// The kernels for the active ISA.
FloatLoadKernels select_float_load();

}  // namespace pvt::feature::kernels
