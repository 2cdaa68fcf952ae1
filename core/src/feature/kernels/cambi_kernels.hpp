#pragma once
// CAMBI's per-scale kernels. A picture is worked on in place in one 10-bit
// buffer (and its flat-area mask in another) that keeps the full picture's
// size: each scale decimates the previous one into its top-left corner. As in
// libvmaf, a window wider than a small scale reads past that corner into
// what the larger scales left there, so the in-place order is part of the
// result.
#include <cstddef>
#include <cstdint>

#include "../cambi_params.hpp"
#include "pyvmaf_tiny/picture.hpp"

namespace pvt::feature::kernels {

struct CambiImage {
  std::uint16_t* data = nullptr;
  std::ptrdiff_t stride = 0;  // in samples
};

struct CambiMask {
  std::uint8_t* data = nullptr;  // 0 or 1
  std::ptrdiff_t stride = 0;
};

// Flat-area mask: 1 where more than `threshold` of the 7x7 neighbourhood
// (zero outside the picture) have a zero derivative, i.e. equal their right
// and lower neighbours (missing neighbours count as equal).
// `scratch` holds cambi_mask_scratch(w) bytes, 64-byte aligned.
std::size_t cambi_mask_scratch(int w);
using CambiMaskFn = void (*)(const CambiImage& img, const CambiMask& mask, int w, int h, int threshold,
                             std::uint8_t* scratch);

// dst[i][j] = src[2i][2j] for i < h, j < w, in place.
using CambiDecimateFn = void (*)(const CambiImage& img, int w, int h);
using CambiDecimateMaskFn = void (*)(const CambiMask& mask, int w, int h);

// The separable 3-tap mode filter: each row's horizontal mode (edge columns
// kept), then the vertical mode of three of those for rows 1..h-2; the first
// and last rows are left as they are. `scratch` holds 3 * w samples.
using CambiModeFn = void (*)(const CambiImage& img, int w, int h, std::uint16_t* scratch);

// Same-size conversion of a luma plane to 10 bits (8/9-bit shifted up,
// 11..16-bit rounded down; 16-bit white becomes 1024) into img, then the
// anti-dithering below if asked.
using CambiTo10Fn = void (*)(const Plane& in, const CambiImage& img, bool anti_dither);

// libvmaf's anti-dithering for encodes below 10 bits, in place: the mean of
// each 2x2 block (of 2 samples in the last row and column), rounded down.
using CambiAntiDitherFn = void (*)(const CambiImage& img, int w, int h);

// Per-pixel banding values c (0 off the mask); the non-zero ones are written
// to `nonzero` in row-major order, and counted.
struct CambiCValueStats {
  std::size_t nonzero = 0;
};

// `hist` holds t.band_size * w counts (w rounded up to 32, plus 64 of slack),
// all zero, and is
// left all zero; `nonzero` has room for w * h floats. `pad` is half the window.
using CambiCValuesFn = CambiCValueStats (*)(const CambiImage& img, const CambiMask& mask, int w, int h, int pad,
                                            const cambi::ContrastTables& t, std::uint16_t* hist, float* nonzero);

// The scalar c_values that also writes every pixel's value (0 off the mask)
// to `dense` (w * h floats, row-major); what it writes to `nonzero` and
// returns is c_values' (for heatmaps: every ISA's c_values gives the same).
CambiCValueStats cambi_c_values_dense(const CambiImage& img, const CambiMask& mask, int w, int h, int pad,
                                      const cambi::ContrastTables& t, std::uint16_t* hist, float* nonzero,
                                      float* dense);

struct CambiKernels {
  CambiTo10Fn to10;
  CambiAntiDitherFn anti_dither;
  CambiMaskFn mask;
  CambiDecimateFn decimate;
  CambiDecimateMaskFn decimate_mask;
  CambiModeFn mode;
  CambiCValuesFn c_values;
};

CambiKernels cambi_kernels_scalar();
// The kernels for the active ISA (PYVMAF_TINY_ISA).
CambiKernels select_cambi_kernels();

// Mean of the `k` largest of n values (libvmaf's top-k pooling), of which the
// stats' non-zero ones are in `nonzero` (reordered here); k >= 1.
double cambi_topk_mean(float* nonzero, std::size_t k, const CambiCValueStats& stats);

}  // namespace pvt::feature::kernels
