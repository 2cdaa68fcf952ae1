#pragma once
// CIEDE2000 colour differences of pixel pairs, as libvmaf 3.2's ciede
// extractor computes them: BT.709 limited-range YUV to linear RGB, XYZ (D65)
// and CIELAB, then the CIEDE2000 formula with kL = 0.65, kC = 1, kH = 4, in
// libvmaf's mix of single and double precision.
//
// libvmaf calls the C library's pow, atan2, sin, cos and exp per pixel; we
// evaluate them with our own double-precision polynomials (relative error
// about 1e-15), identically in every ISA, so each value libvmaf rounds to
// float comes out the same except in the rare case where the exact result
// lies within about 1e-15 of a rounding boundary.
#include <cstddef>

namespace pvt::feature::kernels {

// The samples of n pixels (already upsampled to one chroma sample per pixel).
struct CiedePixels {
  const float* y;
  const float* u;
  const float* v;
};

// out[i] = the CIEDE2000 difference of ref pixel i and dist pixel i, for
// i < n. The arrays may be read, and `out` written, up to n rounded up to a
// multiple of kCiedeBatch.
using CiedeFn = void (*)(const CiedePixels& ref, const CiedePixels& dist, std::size_t n, int bpc, float* out);
inline constexpr std::size_t kCiedeBatch = 16;

void ciede_scalar(const CiedePixels& ref, const CiedePixels& dist, std::size_t n, int bpc, float* out);

// The implementation for the active ISA (see cpu.hpp).
CiedeFn select_ciede();

}  // namespace pvt::feature::kernels
