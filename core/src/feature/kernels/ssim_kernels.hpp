#pragma once
// Building blocks of libvmaf's float SSIM and MS-SSIM (its bundled IQA code).
// Every filter multiplies sample and tap in single precision, adds those
// products in double precision in tap order, and rounds the sum to float;
// the kernels keep exactly that per-output order so results are bit-exact.
#include <array>
#include <cstdint>

namespace pvt::feature::kernels {

// The 11-tap Gaussian (sigma 1.5) SSIM window, applied separably.
constexpr int kSsimWindow = 11;
extern const float kSsimGaussian[kSsimWindow];

// MS-SSIM's 9x9 low-pass (the 9/7 biorthogonal wavelet's), applied as a full
// 2-D kernel: its entries are rounded on their own, so they are not the
// products of a 1-D filter.
constexpr int kMsSsimLowPass = 9;
extern const std::array<float, kMsSsimLowPass * kMsSsimLowPass> kMsSsimLowPass2d;

// Valid-region horizontal filter: out[x] = sum_u in[x + u] * taps[u], for
// x < out_width. `acc` is scratch of out_width doubles.
using SsimFilterRowFn = void (*)(const float* in, const float* taps, int n_taps, int out_width, double* acc,
                                 float* out);
// Vertical filter: out[x] = sum_v rows[v][x] * taps[v], for x < width.
using SsimFilterColumnFn = void (*)(const float* const* rows, const float* taps, int n_taps, int width,
                                    double* acc, float* out);
// One output row of a decimating 2-D filter: out[x] = sum_v sum_u
// rows[v][factor * x + u] * taps[v * taps_w + u] (rows outer, columns inner),
// for x < out_width. The caller points rows[v] at the first tap's column of
// the mirrored source rows.
using SsimDecimateRowFn = void (*)(const float* const* rows, const float* taps, int taps_w, int taps_h,
                                   int factor, int out_width, double* acc, float* out);

// The SSIM stabilising constants for L = 255: C1 = (0.01 L)^2, C2 = (0.03 L)^2,
// C3 = C2 / 2, each evaluated in float as libvmaf does.
struct SsimConstants {
  float c1, c2, c3;
};
SsimConstants ssim_constants();

// Running sums of the per-position SSIM index and its luminance, contrast
// and structure terms, in raster order.
struct SsimSums {
  double ssim = 0.0, l = 0.0, c = 0.0, s = 0.0;
};
// Adds one row of positions, given the filtered means (mu1, mu2) and the
// filtered second moments (xx = E[ref^2], yy = E[dist^2], xy = E[ref*dist]).
using SsimAccumulateRowFn = void (*)(const float* mu1, const float* mu2, const float* xx, const float* yy,
                                     const float* xy, int width, const SsimConstants& k, SsimSums& sums);

struct SsimKernels {
  SsimFilterRowFn filter_row;
  SsimFilterColumnFn filter_column;
  SsimDecimateRowFn decimate_row;
  SsimAccumulateRowFn accumulate_row;
};

void ssim_filter_row_scalar(const float* in, const float* taps, int n_taps, int out_width, double* acc, float* out);
void ssim_filter_column_scalar(const float* const* rows, const float* taps, int n_taps, int width, double* acc,
                               float* out);
void ssim_decimate_row_scalar(const float* const* rows, const float* taps, int taps_w, int taps_h, int factor,
                              int out_width, double* acc, float* out);
void ssim_accumulate_row_scalar(const float* mu1, const float* mu2, const float* xx, const float* yy,
                                const float* xy, int width, const SsimConstants& k, SsimSums& sums);

// The implementation for the active ISA (see cpu.hpp).
SsimKernels select_ssim_kernels();

}  // namespace pvt::feature::kernels
