#pragma once
// Building blocks of libvmaf's integer VIF.
//
// The extractor hands each kernel one whole scale: row pointer tables for the
// reference and distorted planes, valid for rows [-kVifPad, height + kVifPad)
// (mirrored at the top and bottom the way libvmaf does) so that rows[i] is
// row i. The kernels mirror their intermediate rows at the left and right.
//
// The scalar kernels below are the reference; every SIMD variant must give
// bit-identical sums and planes for every size, bit depth and option.
#include <bit>
#include <cstddef>
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

// Integer totals of one scale; vif.cpp turns them into num/den.
struct VifSums {
  std::int64_t num_log = 0;  // sum of log2 gains, 11 fractional bits
  std::int64_t den_log = 0;  // sum of log2 ref energies, 11 fractional bits
  std::int64_t num_lin = 0;  // sum of dist variance where ref variance is below the noise
  std::int64_t den_lin = 0;  // number of such positions
};

// Bytes of 64-byte aligned scratch memory a kernel call needs for planes
// `width` samples wide (any ISA).
constexpr std::size_t vif_scratch_bytes(int width) {
  // Ten padded rows of 32-bit values: the scalar passes use five, the SIMD
  // ones eight 16-bit rows with a vector's slack at each end.
  const auto row = static_cast<std::size_t>((width + 63) / 64 * 64 + 256);
  return 10 * row * sizeof(std::uint32_t);
}

// Statistics of one scale.
struct VifStatsParams {
  int scale = 0;
  int width = 0, height = 0;
  int sample_bits = 8;  // samples are below 2^sample_bits (else: invalid input)
  int mu_shift = 16;    // rounding shift of the vertically filtered means
  int sq_shift = 16;    // ... and of the second-order moments (0: kept exact)
  double gain_limit = 100.0;
  const std::uint16_t* log2_table = nullptr;  // vif_log2_table() (padded; SIMD reads 32 bits per entry)
  void* scratch = nullptr;                    // vif_scratch_bytes(width)
};
using VifStatsU8Fn = void (*)(const std::uint8_t* const* ref_rows, const std::uint8_t* const* dis_rows,
                              const VifStatsParams& p, VifSums& sums);
using VifStatsU16Fn = void (*)(const std::uint16_t* const* ref_rows, const std::uint16_t* const* dis_rows,
                               const VifStatsParams& p, VifSums& sums);

// Builds scale `scale` from the planes of scale - 1: low-pass with
// kVifFilter[scale], keeping the even rows and columns. The vertical pass is
// rounded down by `shift` bits, the horizontal one by 16.
struct VifDownscaleParams {
  int scale = 1;        // the scale being built
  int src_width = 0;    // width of scale - 1
  int width = 0;        // width and height of the result
  int height = 0;
  int shift = 16;
  void* scratch = nullptr;  // vif_scratch_bytes(src_width)
};
using VifDownscaleU8Fn = void (*)(const std::uint8_t* const* ref_rows, const std::uint8_t* const* dis_rows,
                                  const VifDownscaleParams& p, std::uint16_t* ref_out, std::uint16_t* dis_out);
using VifDownscaleU16Fn = void (*)(const std::uint16_t* const* ref_rows, const std::uint16_t* const* dis_rows,
                                   const VifDownscaleParams& p, std::uint16_t* ref_out, std::uint16_t* dis_out);

// Ladder mode: the statistics of one scale for `n` distorted planes against
// one reference. Each row's reference terms (its local means and variance,
// and its share of the denominator) are computed once, then each pair's;
// sums[k] gets exactly what VifStats*Fn adds for (ref, dis_rows[k]).
// Scratch: vif_ladder_scratch_bytes(width).
using VifLadderStatsU8Fn = void (*)(const std::uint8_t* const* ref_rows, const std::uint8_t* const* const* dis_rows,
                                    int n, const VifStatsParams& p, VifSums* sums);
using VifLadderStatsU16Fn = void (*)(const std::uint16_t* const* ref_rows,
                                     const std::uint16_t* const* const* dis_rows, int n, const VifStatsParams& p,
                                     VifSums* sums);

constexpr std::size_t vif_ladder_scratch_bytes(int width) {
  // vif_scratch_bytes() plus a row of the reference's terms: at most 16
  // bytes a position, with a vector's slack.
  return vif_scratch_bytes(width) + 16 * static_cast<std::size_t>((width + 63) / 64 * 64 + 64);
}

struct VifKernels {
  VifStatsU8Fn stats_u8;
  VifStatsU16Fn stats_u16;
  VifDownscaleU8Fn downscale_u8;
  VifDownscaleU16Fn downscale_u16;
  VifLadderStatsU8Fn ladder_stats_u8;
  VifLadderStatsU16Fn ladder_stats_u16;
};

// The kernels for the active ISA (pvt::active_isa()).
VifKernels select_vif_kernels(int bpc);

// ---------------------------------------------------------------------------
// Scalar reference, whole scales.
void vif_stats_u8_scalar(const std::uint8_t* const* ref_rows, const std::uint8_t* const* dis_rows,
                         const VifStatsParams& p, VifSums& sums);
void vif_stats_u16_scalar(const std::uint16_t* const* ref_rows, const std::uint16_t* const* dis_rows,
                          const VifStatsParams& p, VifSums& sums);
void vif_downscale_u8_scalar(const std::uint8_t* const* ref_rows, const std::uint8_t* const* dis_rows,
                             const VifDownscaleParams& p, std::uint16_t* ref_out, std::uint16_t* dis_out);
void vif_downscale_u16_scalar(const std::uint16_t* const* ref_rows, const std::uint16_t* const* dis_rows,
                              const VifDownscaleParams& p, std::uint16_t* ref_out, std::uint16_t* dis_out);
void vif_ladder_stats_u8_scalar(const std::uint8_t* const* ref_rows, const std::uint8_t* const* const* dis_rows,
                                int n, const VifStatsParams& p, VifSums* sums);
void vif_ladder_stats_u16_scalar(const std::uint16_t* const* ref_rows, const std::uint16_t* const* const* dis_rows,
                                 int n, const VifStatsParams& p, VifSums* sums);

// Scalar reference, one row. Vertical passes read the kVifTaps[scale] rows
// `rows[0..taps)`, which start kVifTaps[scale] / 2 rows above the output row.

// Vertically filtered local moments of one row. Each pointer addresses
// column 0 of a buffer valid over [-kVifPad, width + kVifPad).
struct VifMoments {
  std::uint32_t* mu1;  // filtered ref
  std::uint32_t* mu2;  // filtered dist
  std::uint32_t* xx;   // filtered ref * ref
  std::uint32_t* yy;   // filtered dist * dist
  std::uint32_t* xy;   // filtered ref * dist
};

// One row's filtered mean (before rounding) and variance of the reference at
// each position, as the ladder's per-pair pass reads them.
struct VifRefTerms {
  std::uint32_t* mu1 = nullptr;
  std::int32_t* sigma1_sq = nullptr;
};

// Vertical moments pass with filter kVifFilter[scale]. mu is rounded down by
// `mu_shift` bits, the second-order moments by `sq_shift` bits (0: exact).
void vif_stat_vertical_u8_scalar(const std::uint8_t* const* ref_rows, const std::uint8_t* const* dis_rows,
                                 int scale, int width, int mu_shift, int sq_shift, const VifMoments& out);
void vif_stat_vertical_u16_scalar(const std::uint16_t* const* ref_rows, const std::uint16_t* const* dis_rows,
                                  int scale, int width, int mu_shift, int sq_shift, const VifMoments& out);
// Horizontal moments pass over a mirrored row, accumulating the statistics.
void vif_stat_horizontal_scalar(const VifMoments& in, int scale, int width, double gain_limit,
                                const std::uint16_t* log2_table, VifSums& sums);
// Vertical low-pass into 16-bit rows, rounded down by `shift` bits.
void vif_blur_vertical_u8_scalar(const std::uint8_t* const* ref_rows, const std::uint8_t* const* dis_rows,
                                 int scale, int width, int shift, std::uint16_t* ref_out, std::uint16_t* dis_out);
void vif_blur_vertical_u16_scalar(const std::uint16_t* const* ref_rows, const std::uint16_t* const* dis_rows,
                                  int scale, int width, int shift, std::uint16_t* ref_out, std::uint16_t* dis_out);
// Horizontal pass over mirrored rows, evaluated at the even columns only:
// out[k] = blur(in)[2k] for k < out_width.
void vif_blur_horizontal_decimate_scalar(const std::uint16_t* ref_in, const std::uint16_t* dis_in, int scale,
                                         int out_width, std::uint16_t* ref_out, std::uint16_t* dis_out);

// ---------------------------------------------------------------------------
// Shared helpers.

// libvmaf's mirroring of the `half` columns beyond each end of a row, in place.
template <class T>
void vif_mirror_columns(T* row, int width, int half) {
  for (int i = 1; i <= half; ++i) {
    row[-i] = row[i];
    row[width - 1 + i] = row[width - 1 - i];
  }
}

// 65536 entries, plus zeroed padding so that a 32-bit load at any entry stays
// inside; entry i (32768 <= i < 65536) is round(log2f(i) * 2048).
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

constexpr std::int32_t kVifNoise = 2 * 65536;  // sigma_n^2 = 2, 16 fractional bits
constexpr double kVifEps = 65536 * 1.0e-10;

// One position's contribution to the denominator (den_*), which depends on
// the reference alone.
inline void vif_accumulate_den(std::int32_t sigma1_sq, const std::uint16_t* log2_table, VifSums& sums) {
  if (sigma1_sq < kVifNoise) {
    sums.den_lin += 1;
    return;
  }
  // log2(1 + sigma1_sq / noise), as log2(noise + sigma1_sq) - 17.
  sums.den_log += vif_log2_32(log2_table, static_cast<std::uint32_t>(sigma1_sq) + kVifNoise) - 2048 * 17;
}

// ... and to the numerator (num_*), given its local variances and covariance.
inline void vif_accumulate_num(std::int32_t sigma1_sq, std::int32_t sigma2_sq, std::int32_t sigma12,
                               double gain_limit, const std::uint16_t* log2_table, VifSums& sums) {
  if (sigma2_sq < 0) sigma2_sq = 0;
  if (sigma1_sq < kVifNoise) {
    sums.num_lin += sigma2_sq;
    return;
  }
  if (sigma12 <= 0 || sigma2_sq <= 0) return;
  double g = sigma12 / (sigma1_sq + kVifEps);
  // Kept as separate statements so that no compiler fuses them into an FMA.
  const double explained = g * sigma12;
  const double unexplained = sigma2_sq - explained;
  // Only invalid input (samples beyond 2^bpc) leaves the int32 range; there
  // the conversion gives INT32_MIN, as x86 does.
  std::int32_t sv_sq = unexplained > -2147483649.0 && unexplained < 2147483648.0
                           ? static_cast<std::int32_t>(unexplained)
                           : INT32_MIN;
  if (sv_sq < 0) sv_sq = 0;
  if (!(g < gain_limit)) g = gain_limit;
  const std::uint32_t noise_total = static_cast<std::uint32_t>(sv_sq) + kVifNoise;
  const double gain_energy = g * g;
  const double signal = gain_energy * sigma1_sq;
  const std::uint64_t total = static_cast<std::uint64_t>(static_cast<std::int64_t>(signal)) + noise_total;
  sums.num_log += vif_log2_64(log2_table, total) - vif_log2_64(log2_table, noise_total);
}

// Both, for one position of a pair.
inline void vif_accumulate(std::int32_t sigma1_sq, std::int32_t sigma2_sq, std::int32_t sigma12, double gain_limit,
                           const std::uint16_t* log2_table, VifSums& sums) {
  vif_accumulate_den(sigma1_sq, log2_table, sums);
  vif_accumulate_num(sigma1_sq, sigma2_sq, sigma12, gain_limit, log2_table, sums);
}

}  // namespace pvt::feature::kernels
