#pragma once
// Building blocks of libvmaf's integer VIF. Every pass works on one output
// row; the caller supplies the input rows the filter taps touch (already
// mirrored at the top and bottom) and mirrors the intermediate rows at the
// left and right (kVifPad slack columns on each side).
#include <bit>
#include <cstdint>

namespace pvt::feature::kernels {

constexpr int kVifScales = 4;
constexpr int kVifPad = 8;  // widest filter half-width
constexpr int kVifTaps[kVifScales] = {17, 9, 5, 3};
// Each filter sums to 65536 (16 fractional bits).
constexpr std::uint16_t kVifFilter[kVifScales][17] = {
    {489, 935, 1640, 2640, 3896, 5274, 6547, 7455, 7784, 7455, 6547, 5274, 3896, 2640, 1640, 935, 489},
    {1244, 3663, 7925, 12590, 14692, 12590, 7925, 3663, 1244},
    {3571, 16004, 26386, 16004, 3571},
    {10904, 43728, 10904},
};

// Vertically filtered local moments of one row. Each pointer addresses
// column 0 of a buffer valid over [-kVifPad, width + kVifPad).
struct VifMoments {
  std::uint32_t* mu1;  // filtered ref
  std::uint32_t* mu2;  // filtered dist
  std::uint32_t* xx;   // filtered ref * ref
  std::uint32_t* yy;   // filtered dist * dist
  std::uint32_t* xy;   // filtered ref * dist
};

// Integer totals of one scale; vif.cpp turns them into num/den.
struct VifSums {
  std::int64_t num_log = 0;  // sum of log2 gains, 11 fractional bits
  std::int64_t den_log = 0;  // sum of log2 ref energies, 11 fractional bits
  std::int64_t num_lin = 0;  // sum of dist variance where ref variance is below the noise
  std::int64_t den_lin = 0;  // number of such positions
};

// Vertical moments pass with filter kVifFilter[scale]: the row arrays hold
// the kVifTaps[scale] input rows, starting kVifTaps[scale] / 2 rows above the
// output row. mu is rounded down by `mu_shift` bits, the second-order moments
// by `sq_shift` bits (0: kept exact).
using VifStatVerticalU8Fn = void (*)(const std::uint8_t* const* ref_rows, const std::uint8_t* const* dis_rows,
                                     int scale, int width, int mu_shift, int sq_shift, const VifMoments& out);
using VifStatVerticalU16Fn = void (*)(const std::uint16_t* const* ref_rows, const std::uint16_t* const* dis_rows,
                                      int scale, int width, int mu_shift, int sq_shift, const VifMoments& out);
// Horizontal moments pass over a mirrored row, accumulating the statistics.
using VifStatHorizontalFn = void (*)(const VifMoments& in, int scale, int width, double gain_limit,
                                     const std::uint16_t* log2_table, VifSums& sums);

// Low-pass that builds scale `scale` from scale - 1 (filter kVifFilter[scale],
// rows as above): vertical pass into 16-bit rows, rounded down by `shift` bits.
using VifBlurVerticalU8Fn = void (*)(const std::uint8_t* const* ref_rows, const std::uint8_t* const* dis_rows,
                                     int scale, int width, int shift, std::uint16_t* ref_out,
                                     std::uint16_t* dis_out);
using VifBlurVerticalU16Fn = void (*)(const std::uint16_t* const* ref_rows, const std::uint16_t* const* dis_rows,
                                      int scale, int width, int shift, std::uint16_t* ref_out,
                                      std::uint16_t* dis_out);
// Horizontal pass over mirrored rows, evaluated at the even columns only:
// out[k] = blur(in)[2k] for k < out_width.
using VifBlurHorizontalDecimateFn = void (*)(const std::uint16_t* ref_in, const std::uint16_t* dis_in, int scale,
                                             int out_width, std::uint16_t* ref_out, std::uint16_t* dis_out);

struct VifKernels {
  VifStatVerticalU8Fn stat_vertical_u8;
  VifStatVerticalU16Fn stat_vertical_u16;
  VifStatHorizontalFn stat_horizontal;
  VifBlurVerticalU8Fn blur_vertical_u8;
  VifBlurVerticalU16Fn blur_vertical_u16;
  VifBlurHorizontalDecimateFn blur_horizontal_decimate;
};

void vif_stat_vertical_u8_scalar(const std::uint8_t* const* ref_rows, const std::uint8_t* const* dis_rows,
                                 int scale, int width, int mu_shift, int sq_shift, const VifMoments& out);
void vif_stat_vertical_u16_scalar(const std::uint16_t* const* ref_rows, const std::uint16_t* const* dis_rows,
                                  int scale, int width, int mu_shift, int sq_shift, const VifMoments& out);
void vif_stat_horizontal_scalar(const VifMoments& in, int scale, int width, double gain_limit,
                                const std::uint16_t* log2_table, VifSums& sums);
void vif_blur_vertical_u8_scalar(const std::uint8_t* const* ref_rows, const std::uint8_t* const* dis_rows,
                                 int scale, int width, int shift, std::uint16_t* ref_out, std::uint16_t* dis_out);
void vif_blur_vertical_u16_scalar(const std::uint16_t* const* ref_rows, const std::uint16_t* const* dis_rows,
                                  int scale, int width, int shift, std::uint16_t* ref_out, std::uint16_t* dis_out);
void vif_blur_horizontal_decimate_scalar(const std::uint16_t* ref_in, const std::uint16_t* dis_in, int scale,
                                         int out_width, std::uint16_t* ref_out, std::uint16_t* dis_out);

// The implementation for the active ISA (see simd.hpp).
VifKernels select_vif_kernels(int bpc);

// 65536 entries; entry i (32768 <= i < 65536) is round(log2f(i) * 2048).
const std::uint16_t* vif_log2_table();

// log2 of v (>= 2^17) with 11 fractional bits, from its 16 leading bits.
inline std::int32_t vif_log2_32(const std::uint16_t* table, std::uint32_t v) {
  const int k = 16 - std::countl_zero(v);
  return table[v >> k] + 2048 * k;
}
inline std::int32_t vif_log2_64(const std::uint16_t* table, std::uint64_t v) {
  const int k = 48 - std::countl_zero(v);
  return table[v >> k] + 2048 * k;
}

// Adds one position's contribution, given its local variances and covariance.
inline void vif_accumulate(std::int32_t sigma1_sq, std::int32_t sigma2_sq, std::int32_t sigma12, double gain_limit,
                           const std::uint16_t* log2_table, VifSums& sums) {
  constexpr std::int32_t kNoise = 2 * 65536;  // sigma_n^2 = 2, 16 fractional bits
  if (sigma2_sq < 0) sigma2_sq = 0;
  if (sigma1_sq < kNoise) {
    sums.num_lin += sigma2_sq;
    sums.den_lin += 1;
    return;
  }
  // log2(1 + sigma1_sq / noise), as log2(noise + sigma1_sq) - 17.
  sums.den_log += vif_log2_32(log2_table, static_cast<std::uint32_t>(kNoise + sigma1_sq)) - 2048 * 17;
  if (sigma12 <= 0 || sigma2_sq <= 0) return;
  const double eps = 65536 * 1.0e-10;
  double g = sigma12 / (sigma1_sq + eps);
  // Kept as separate statements so that no compiler fuses them into an FMA.
  const double explained = g * sigma12;
  std::int32_t sv_sq = static_cast<std::int32_t>(sigma2_sq - explained);
  if (sv_sq < 0) sv_sq = 0;
  if (!(g < gain_limit)) g = gain_limit;
  const std::uint32_t noise_total = static_cast<std::uint32_t>(sv_sq) + kNoise;
  const double gain_energy = g * g;
  const double signal = gain_energy * sigma1_sq;
  const std::uint64_t total = static_cast<std::uint64_t>(static_cast<std::int64_t>(signal)) + noise_total;
  sums.num_log += vif_log2_64(log2_table, total) - vif_log2_64(log2_table, noise_total);
}

}  // namespace pvt::feature::kernels
