#pragma once
// Integer ADM stages, as separate kernels so each can get SIMD variants.
//
// Scale 0 works on int16 sub-bands, scales 1..3 on int32 sub-bands. All band
// planes of one scale share a row stride (in elements). Stages that only look
// at part of a band take a half-open rectangle of band coordinates.
//
// The reference is libvmaf as the oracle runs it, i.e. its AVX-512 code with
// C code for the leftover columns. Where the two disagree (extreme
// coefficients, non-integer gain limits, tiny frames) the kernels take the
// column split as a parameter; any SIMD variant must keep these semantics.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "pyvmaf_tiny/picture.hpp"

namespace pvt::feature::kernels {

// db2 analysis filters in Q15 (low-pass taps sum to 46342 ~ sqrt(2) * 2^15).
inline constexpr std::int32_t kAdmFilterLo[4] = {15826, 27411, 7345, -4240};
inline constexpr std::int32_t kAdmFilterHi[4] = {-4240, -7345, 27411, -15826};

struct AdmRect {
  int top = 0, bottom = 0, left = 0, right = 0;
};

// Row sampling of a scale (the adm extractor's adm_row_step): of the pooled
// rectangle's rows only those flagged in `rows` (indexed by band row) are
// pooled, and only they and their neighbours (the 3x3 masking window) are
// decoupled and weighted. Without flags every row is. Every kernel set
// samples the same rows.
struct AdmRowSample {
  const std::uint8_t* rows = nullptr;
  bool pooled(int i, const AdmRect& pool) const {
    return i >= pool.top && i < pool.bottom && (!rows || rows[i]);
  }
  bool worked(int i, const AdmRect& work, const AdmRect& pool) const {
    if (i < work.top || i >= work.bottom) return false;
    return !rows || pooled(i - 1, pool) || pooled(i, pool) || pooled(i + 1, pool);
  }
};

// The three detail orientations of one image at one scale.
template <class T>
struct AdmDetail {
  T* h = nullptr;
  T* v = nullptr;
  T* d = nullptr;
};

// One level of the 4-tap db2 DWT. For output row k, `rows[4k..4k+3]` are the
// input rows under the filter taps (edges already mirrored); `cols` likewise.
// Following libvmaf, an input of 3 or 4 samples gets a tap of -1 (see the
// kernels for what it reads), and at scale 0 the last output column may have
// unmirrored taps of in_w and in_w + 1 (libvmaf's SIMD blocks reading past the
// row; see AdmDwt0Fn for what they read).
struct AdmDwtTaps {
  const int* rows = nullptr;
  const int* cols = nullptr;
  int in_w = 0, in_h = 0;    // input size
  int out_w = 0, out_h = 0;  // (in + 1) / 2
};

// Scale 0 DWT of 8..16-bit samples: approximation into `approx` (int32, the
// next scale's input), details into int16 bands. `tmp` holds 2 * in_w + 2
// values, laid out as [lo | hi | 2 spare] (vertical low / high pass), so that
// a column tap of in_w or in_w + 1 reads the start of the next row (or the
// spare values after hi). Taps must be >= 0.
using AdmDwt0Fn = void (*)(const Plane& src, const AdmDwtTaps& taps, std::int16_t* tmp,
                           std::int32_t* approx, AdmDetail<std::int16_t> out, std::ptrdiff_t stride);

// Scales 1..3 DWT of the previous approximation bands of both pictures.
// A row tap of -1 reads the row before `ref_src` / `dis_src`, which the caller
// fills. `tmp` holds 1 + 4 * in_w values laid out as libvmaf's scratch is,
// [0 | lo_ref | hi_ref | lo_dis | hi_dis] (vertical low / high pass of each
// picture), so that a column tap of -1 reads the value just before each of
// those rows.
using AdmDwtNFn = void (*)(const std::int32_t* ref_src, const std::int32_t* dis_src, std::ptrdiff_t src_stride,
                           const AdmDwtTaps& taps, int scale, std::int32_t* tmp, std::int32_t* ref_approx,
                           AdmDetail<std::int32_t> ref_out, std::int32_t* dis_approx,
                           AdmDetail<std::int32_t> dis_out, std::ptrdiff_t stride);

// Splits the distorted details into a restored part (`rest`, the reference
// scaled towards the distorted coefficients) and the additive remainder `add`.
// Columns below `simd_end` follow libvmaf's AVX-512 arithmetic, the others its
// C arithmetic (see adm_decouple_simd_end()).
using AdmDecouple0Fn = void (*)(AdmDetail<const std::int16_t> ref, AdmDetail<const std::int16_t> dis,
                                AdmDetail<std::int16_t> rest, AdmDetail<std::int16_t> add,
                                std::ptrdiff_t stride, AdmRect rect, double gain_limit, int simd_end);
using AdmDecoupleNFn = void (*)(AdmDetail<const std::int32_t> ref, AdmDetail<const std::int32_t> dis,
                                AdmDetail<std::int32_t> rest, AdmDetail<std::int32_t> add,
                                std::ptrdiff_t stride, AdmRect rect, double gain_limit, int simd_end);

// libvmaf (the oracle runs its AVX-512 paths) decouples whole 16-column blocks
// from rect.left with SIMD code and the remaining columns with C code. They
// differ in two corners: the SIMD code rounds r * gain_limit half-even where
// C truncates (only a non-integer gain limit can tell), and at scale 0 it
// evaluates cos^2(1deg) * |o|^2 * |t|^2 as (|o|^2 * |t|^2) * cos^2.
inline int adm_decouple_simd_end(const AdmRect& rect) { return rect.right - (rect.right - rect.left) % 16; }

// Contrast sensitivity weighting of `add` into `csf`, plus its masking
// contribution (|csf| / 30) into `mask`. `factor` is per orientation h, v, d.
using AdmCsf0Fn = void (*)(AdmDetail<const std::int16_t> add, AdmDetail<std::int16_t> csf,
                           AdmDetail<std::int16_t> mask, std::ptrdiff_t stride, AdmRect rect,
                           const std::uint16_t factor[3]);
using AdmCsfNFn = void (*)(AdmDetail<const std::int32_t> add, AdmDetail<std::int32_t> csf,
                           AdmDetail<std::int32_t> mask, std::ptrdiff_t stride, AdmRect rect,
                           const std::uint32_t factor[3]);

// Per-orientation sums of |ref|^3 over `rect` (denominator), with the
// per-row rounding shift `row_shift` (scale 0) or the scale's shifts.
using AdmDen0Fn = void (*)(AdmDetail<const std::int16_t> ref, std::ptrdiff_t stride, AdmRect rect,
                           int row_shift, std::uint64_t sums[3]);
struct AdmDenShifts {
  int square;  // after x*x (with a rounding add of 1 << square)
  int cube;    // after (x*x >> square) * x
  int row;     // after each row
};
using AdmDenNFn = void (*)(AdmDetail<const std::int32_t> ref, std::ptrdiff_t stride, AdmRect rect,
                           AdmDenShifts shifts, std::uint64_t sums[3]);

// Contrast-masked sums of cubes of the restored part (numerator). `w`, `h`
// are the band size (for edge mirroring of the 3x3 masking window).
struct AdmCm0Params {
  std::uint16_t factor[3];     // CSF factors h, v, d
  int cube_shift[3];           // after x^2 * x, per orientation
  std::int64_t cube_round[3];  // added before cube_shift (see adm_cm0_cube_round())
  int row_shift;               // after each row
  AdmRect simd;                // see adm_cm0_simd_rect()
};

// libvmaf rounds by 2^(shift - 1), computing the exponent in unsigned
// arithmetic: for a shift of 0 (bands of 9..16 columns) that is 2^(2^32 - 1),
// infinite, which its AVX-512 build converts to the uint32 2^32 - 1.
inline std::int64_t adm_cm0_cube_round(int shift) {
  return shift > 0 ? std::int64_t{1} << (shift - 1) : std::int64_t{0xFFFFFFFF};
}

// Inside this rectangle libvmaf's AVX-512 masking code runs (elsewhere its C
// code): whole 14-column blocks from rect.left on rows 1..h-2, when the pooled
// rectangle leaves a left border. There the window centre's |csf| / 15 term
// stays 32-bit instead of wrapping to int16, and each block adds two dummy
// lanes' cube_round >> cube_shift (non-zero only when cube_shift is 0).
inline AdmRect adm_cm0_simd_rect(const AdmRect& rect, int w, int h) {
  if (rect.left <= 0) return {rect.top, rect.top, rect.left, rect.left};
  const int right = std::min(rect.right, w - 1);
  return {std::max(rect.top, 1), std::min(rect.bottom, h - 1), rect.left, right - (right - rect.left) % 14};
}

using AdmCm0Fn = void (*)(AdmDetail<const std::int16_t> rest, AdmDetail<const std::int16_t> csf,
                          AdmDetail<const std::int16_t> mask, std::ptrdiff_t stride, int w, int h,
                          AdmRect rect, const AdmCm0Params& params, std::int64_t sums[3]);

struct AdmCmNParams {
  std::uint32_t factor[3];
  int cube_shift;
  int row_shift;
};
using AdmCmNFn = void (*)(AdmDetail<const std::int32_t> rest, AdmDetail<const std::int32_t> csf,
                          AdmDetail<const std::int32_t> mask, std::ptrdiff_t stride, int w, int h,
                          AdmRect rect, const AdmCmNParams& params, std::int64_t sums[3]);

// ---------------------------------------------------------------- fused scales
//
// A SIMD kernel set runs each scale in one pass instead of the stages above:
// both pictures' DWT row by row, and every band row decoupled, weighted,
// masked and summed while it is still in cache (only the approximation band,
// the next scale's input, goes to memory). Rows that other rows still need
// live in `scratch` (adm_fused_scratch_bytes()). The sums equal those of the
// stage kernels run in sequence: den[] as AdmDen*Fn, num[] as AdmCm*Fn, and
// with the job's `aim` set, aim[] as AdmCsf*Fn of the restored part followed
// by AdmCm*Fn of the additive part (libvmaf's AIM: the two parts swapped).
struct AdmScaleSums {
  std::uint64_t den[3];
  std::int64_t num[3];
  std::int64_t aim[3];
};

struct AdmScale0Job {
  const Plane* ref = nullptr;
  const Plane* dis = nullptr;
  AdmDwtTaps taps;  // as for AdmDwt0Fn
  // Scale 0 approximations are int16 values (the stage kernels store them
  // widened); the fused pass stores them as int16.
  std::int16_t* ref_approx = nullptr;
  std::int16_t* dis_approx = nullptr;
  std::ptrdiff_t approx_stride = 0;
  AdmRect work, pool;  // decoupling / CSF rectangle, pooled rectangle
  AdmRowSample sample;  // the rows of `work` and `pool` actually used
  double gain_limit = 100.0;
  int decouple_simd_end = 0;  // adm_decouple_simd_end(work)
  std::uint16_t csf_factor[3] = {};
  int den_row_shift = 0;      // as for AdmDen0Fn
  AdmCm0Params cm{};
  bool aim = false;           // also compute AdmScaleSums::aim
  // When >= 0, the restored diagonal band's row `rest_d_row` is copied into
  // rest_d[work.left, work.right) (other entries are left alone).
  int rest_d_row = -1;
  std::int16_t* rest_d = nullptr;
};

struct AdmScaleNJob {
  // The previous approximation bands (see AdmDwtNFn): at scale 1 the int16
  // ones of AdmScale0Job (`*_src16`), at scales 2 and 3 int32 (`*_src`).
  const std::int16_t* ref_src16 = nullptr;
  const std::int16_t* dis_src16 = nullptr;
  const std::int32_t* ref_src = nullptr;
  const std::int32_t* dis_src = nullptr;
  std::ptrdiff_t src_stride = 0;  // in elements
  AdmDwtTaps taps;
  int scale = 1;
  std::int32_t* ref_approx = nullptr;  // nullptr: the approximation is not needed
  std::int32_t* dis_approx = nullptr;
  std::ptrdiff_t approx_stride = 0;
  AdmRect work, pool;
  AdmRowSample sample;
  double gain_limit = 100.0;
  int decouple_simd_end = 0;
  std::uint32_t csf_factor[3] = {};
  AdmDenShifts den{};
  AdmCmNParams cm{};
  bool aim = false;
};

// Ladder mode: one reference against `n` distorted pictures. Scale 0 runs
// `job` with dis[e] and dis_approx[e] in place of its own for each e; scales
// 1..3 run jobs[0 .. n) (equal but for their dis_* fields). The reference's
// DWT, denominator and decoupling terms are computed once per row for all of
// them; sums[e] equals the single pass's for pair e. Only for frames whose
// DWT taps stay inside every band (inputs of 5 or more at every scale: no
// row tap of -1, no scale 0 guard row).
struct AdmScale0Ladder {
  const AdmScale0Job* job = nullptr;
  int n = 0;
  const Plane* const* dis = nullptr;
  std::int16_t* const* dis_approx = nullptr;
};

struct AdmFused {
  std::size_t (*scratch_bytes)(int frame_width) = nullptr;  // scratch must be 64-byte aligned
  void (*scale0)(const AdmScale0Job& job, void* scratch, AdmScaleSums& sums) = nullptr;
  void (*scalen)(const AdmScaleNJob& job, void* scratch, AdmScaleSums& sums) = nullptr;
  std::size_t (*ladder_scratch_bytes)(int frame_width, int n) = nullptr;
  void (*ladder_scale0)(const AdmScale0Ladder& ladder, void* scratch, AdmScaleSums* sums) = nullptr;
  void (*ladder_scalen)(const AdmScaleNJob* jobs, int n, void* scratch, AdmScaleSums* sums) = nullptr;
};

// 2^30 / i for i in [-32768, 32768] (0 at i == 0), indexed from the returned
// pointer; cos^2(1 degree) as a float. Shared by all kernel sets.
const std::int32_t* adm_reciprocals();
float adm_cos_1deg_squared();

struct AdmKernels {
  AdmDwt0Fn dwt0;
  AdmDwtNFn dwtn;
  AdmDecouple0Fn decouple0;
  AdmDecoupleNFn decouplen;
  AdmCsf0Fn csf0;
  AdmCsfNFn csfn;
  AdmDen0Fn den0;
  AdmDenNFn denn;
  AdmCm0Fn cm0;
  AdmCmNFn cmn;
  AdmFused fused;  // all null: run the stages
};

// Scale 0's approximation band alone, as libvmaf's adm_skip_scale0 computes
// it: the low passes of AdmDwt0Fn. `tmp` holds in_w values; taps are
// mirrored (>= 0, < in_w). Into int16 (the fused passes' scale 1 input) or
// int32 (the stage kernels').
void adm_dwt0_approx_scalar(const Plane& src, const AdmDwtTaps& taps, std::int16_t* tmp, std::int16_t* approx,
                            std::ptrdiff_t stride);
void adm_dwt0_approx_scalar(const Plane& src, const AdmDwtTaps& taps, std::int16_t* tmp, std::int32_t* approx,
                            std::ptrdiff_t stride);
void adm_dwt0_scalar(const Plane& src, const AdmDwtTaps& taps, std::int16_t* tmp, std::int32_t* approx,
                     AdmDetail<std::int16_t> out, std::ptrdiff_t stride);
void adm_dwtn_scalar(const std::int32_t* ref_src, const std::int32_t* dis_src, std::ptrdiff_t src_stride,
                     const AdmDwtTaps& taps, int scale, std::int32_t* tmp, std::int32_t* ref_approx,
                     AdmDetail<std::int32_t> ref_out, std::int32_t* dis_approx, AdmDetail<std::int32_t> dis_out,
                     std::ptrdiff_t stride);
void adm_decouple0_scalar(AdmDetail<const std::int16_t> ref, AdmDetail<const std::int16_t> dis,
                          AdmDetail<std::int16_t> rest, AdmDetail<std::int16_t> add, std::ptrdiff_t stride,
                          AdmRect rect, double gain_limit, int simd_end);
void adm_decouplen_scalar(AdmDetail<const std::int32_t> ref, AdmDetail<const std::int32_t> dis,
                          AdmDetail<std::int32_t> rest, AdmDetail<std::int32_t> add, std::ptrdiff_t stride,
                          AdmRect rect, double gain_limit, int simd_end);
void adm_csf0_scalar(AdmDetail<const std::int16_t> add, AdmDetail<std::int16_t> csf,
                     AdmDetail<std::int16_t> mask, std::ptrdiff_t stride, AdmRect rect,
                     const std::uint16_t factor[3]);
void adm_csfn_scalar(AdmDetail<const std::int32_t> add, AdmDetail<std::int32_t> csf,
                     AdmDetail<std::int32_t> mask, std::ptrdiff_t stride, AdmRect rect,
                     const std::uint32_t factor[3]);
void adm_den0_scalar(AdmDetail<const std::int16_t> ref, std::ptrdiff_t stride, AdmRect rect, int row_shift,
                     std::uint64_t sums[3]);
void adm_denn_scalar(AdmDetail<const std::int32_t> ref, std::ptrdiff_t stride, AdmRect rect,
                     AdmDenShifts shifts, std::uint64_t sums[3]);
void adm_cm0_scalar(AdmDetail<const std::int16_t> rest, AdmDetail<const std::int16_t> csf,
                    AdmDetail<const std::int16_t> mask, std::ptrdiff_t stride, int w, int h, AdmRect rect,
                    const AdmCm0Params& params, std::int64_t sums[3]);
void adm_cmn_scalar(AdmDetail<const std::int32_t> rest, AdmDetail<const std::int32_t> csf,
                    AdmDetail<const std::int32_t> mask, std::ptrdiff_t stride, int w, int h, AdmRect rect,
                    const AdmCmNParams& params, std::int64_t sums[3]);

// The implementations for the active ISA (pvt::active_isa()).
AdmKernels select_adm_kernels(int bpc);

}  // namespace pvt::feature::kernels
