#pragma once
// What every PSNR-HVS kernel shares: the weights, the quadrant map, the
// variance scales and the integer DCT (scalar form; the SIMD kernels run the
// same lifting steps lane-wise).
#include <cstdint>

#include "psnr_hvs_kernels.hpp"

namespace pvt::feature::kernels {

// Per-coefficient weights of one table, row-major: the CSF weight, and the
// masking weight (csf * 0.3885746225901003)^2 rounded to float.
struct HvsWeights {
  float csf[64];
  float mask[64];
};
const HvsWeights& hvs_weights(HvsTable table);

// The 4x4 quadrant of sample (i, j) in libvmaf's numbering: i >= 4 adds 1,
// j >= 4 adds 2.
inline int hvs_quadrant(int i, int j) { return ((i & 12) >> 2) + ((j & 12) >> 1); }

// Sample variance scales, evaluated in float: 64/63 and 16/15.
inline constexpr float kHvsWholeVarScale = 1.0f / 63.0f * 64.0f;
inline constexpr float kHvsQuadVarScale = 1.0f / 15.0f * 16.0f;

// Daala's 8-point forward DCT by lifting, on 32-bit integers that wrap.
// One lifting step: a -= / += (b * mul + round) >> shift.
namespace hvs_dct {
inline std::int32_t wrap_mul(std::int32_t a, std::int32_t b) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(a) * static_cast<std::uint32_t>(b));
}
inline std::int32_t scaled(std::int32_t v, std::int32_t mul, int shift) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(wrap_mul(v, mul)) + (1u << (shift - 1))) >> shift;
}
// Halving that rounds towards zero (adds the sign bit before the shift).
inline std::int32_t half(std::int32_t v) {
  return static_cast<std::int32_t>((static_cast<std::uint32_t>(v) >> 31) + static_cast<std::uint32_t>(v)) >> 1;
}
}  // namespace hvs_dct

// in[k * stride], k < 8 -> out[0..7].
inline void hvs_fdct8(const std::int32_t* in, int stride, std::int32_t* out) {
  using namespace hvs_dct;
  std::int32_t a0 = in[0], a4 = in[stride], a2 = in[2 * stride], a6 = in[3 * stride];
  std::int32_t a7 = in[4 * stride], a3 = in[5 * stride], a5 = in[6 * stride], a1 = in[7 * stride];
  a1 = a0 - a1;
  const std::int32_t a1h = half(a1);
  a0 -= a1h;
  a4 += a5;
  const std::int32_t a4h = half(a4);
  a5 -= a4h;
  a3 = a2 - a3;
  a2 -= half(a3);
  a6 += a7;
  const std::int32_t a6h = half(a6);
  a7 = a6h - a7;
  a0 += a6h;
  a6 = a0 - a6;
  a2 = a4h - a2;
  a4 = a2 - a4;
  a0 -= scaled(a4, 13573, 15);
  a4 += scaled(a0, 11585, 14);
  a0 -= scaled(a4, 13573, 15);
  a6 -= scaled(a2, 21895, 15);
  a2 += scaled(a6, 15137, 14);
  a6 -= scaled(a2, 21895, 15);
  a3 += scaled(a5, 19195, 15);
  a5 += scaled(a3, 11585, 14);
  a3 -= scaled(a5, 7489, 13);
  a7 = half(a5) - a7;
  a5 -= a7;
  a3 = a1h - a3;
  a1 -= a3;
  a7 += scaled(a1, 3227, 15);
  a1 -= scaled(a7, 6393, 15);
  a7 += scaled(a1, 3227, 15);
  a5 += scaled(a3, 2485, 13);
  a3 -= scaled(a5, 18205, 15);
  a5 += scaled(a3, 2485, 13);
  out[0] = a0, out[1] = a1, out[2] = a2, out[3] = a3;
  out[4] = a4, out[5] = a5, out[6] = a6, out[7] = a7;
}

// 2-D: a pass down each column into rows of a scratch block, then a pass
// down each column of the scratch block into rows of `out`.
inline void hvs_fdct8x8(const std::int32_t* in, std::int32_t* out) {
  std::int32_t mid[64];
  for (int c = 0; c < 8; ++c) hvs_fdct8(in + c, 8, mid + 8 * c);
  for (int c = 0; c < 8; ++c) hvs_fdct8(mid + c, 8, out + 8 * c);
}

// total / count / peak^2, in float as libvmaf divides.
inline float hvs_normalise(float total, int count, int bpc) {
  total /= static_cast<float>(count);
  const std::int32_t peak = (1 << bpc) - 1;
  return total / static_cast<float>(peak * peak);
}

}  // namespace pvt::feature::kernels
