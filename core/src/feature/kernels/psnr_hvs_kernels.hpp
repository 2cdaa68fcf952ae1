#pragma once
// PSNR-HVS (Xiph's, as libvmaf 3.2 bundles it): 8x8 blocks every 7 samples,
// Daala's integer lifting DCT, a contrast-sensitivity weighting and a
// masking threshold from the blocks' variances. All statistics are single
// precision, accumulated in libvmaf's order.
#include <cstdint>

#include "pyvmaf_tiny/picture.hpp"

namespace pvt::feature::kernels {

constexpr int kHvsBlock = 8;
constexpr int kHvsStep = 7;

// Contrast-sensitivity tables: luma, and the two 4:2:0 chroma tables libvmaf
// uses for Cb and Cr whatever the layout.
enum class HvsTable { y = 0, cb = 1, cr = 2 };

// The plane's weighted, masked squared DCT error per coefficient, divided by
// the squared peak (2^bpc - 1)^2: single precision, as libvmaf returns it.
// Reads the top-left width x height samples; NaN when no block fits.
using PsnrHvsPlaneFn = float (*)(const Plane& ref, const Plane& dist, int width, int height, HvsTable table);

float psnr_hvs_plane_scalar(const Plane& ref, const Plane& dist, int width, int height, HvsTable table);

// The implementation for the active ISA (see cpu.hpp).
PsnrHvsPlaneFn select_psnr_hvs_plane();

}  // namespace pvt::feature::kernels
