#pragma once
// 2x decimation for the half_* extractors: each output sample is the rounded
// mean of a 2x2 block, (a + b + c + d + 2) >> 2, the last row or column paired
// with itself for odd sizes. Integer arithmetic only: every variant gives the
// same samples.
#include <cstdint>

#include "pyvmaf_tiny/picture.hpp"

namespace pvt::feature::kernels {

// Writes w x h samples (uint8_t for 8-bit `src`, else uint16_t), rows w apart, into `dst`;
// w = ceil(src.width / 2), h = ceil(src.height / 2).
using DecimateFn = void (*)(const Plane& src, void* dst, int w, int h);

void decimate_scalar(const Plane& src, void* dst, int w, int h);

// Output samples [from, w) of row y (the scalar tail of the SIMD variants).
void decimate_row_tail(const Plane& src, void* dst, int w, int y, int from);

// The implementation for the active ISA (see cpu.hpp).
DecimateFn select_decimate(int bpc);

// Fine-scale detail of a picture pair, from the 2x2 Haar details of each block
// (H = a + b - c - d, V = a - b + c - d, D = a - b - c + d for samples a b / c d,
// the same blocks the decimation averages): per coefficient, `restored` is
// min(|ref|, |dist|) where the two have the same sign (else 0), `reference`
// is |ref| and `added` is |dist| - restored. Sums over the picture, exact.
struct FineSums {
  std::uint64_t restored = 0, reference = 0, added = 0;
};

// Decimates both pictures (as DecimateFn) and returns their FineSums.
using DecimatePairFn = FineSums (*)(const Plane& ref, const Plane& dist, void* ref_out, void* dist_out, int w,
                                    int h);

FineSums decimate_pair_scalar(const Plane& ref, const Plane& dist, void* ref_out, void* dist_out, int w, int h);

// FineSums of output samples [from, w) of row y (the scalar tail of the SIMD variants).
FineSums fine_row_tail(const Plane& ref, const Plane& dist, int y, int w, int from);

DecimatePairFn select_decimate_pair(int bpc);

}  // namespace pvt::feature::kernels
