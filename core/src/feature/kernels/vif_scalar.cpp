#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <vector>

#include "../../common/exact_math.hpp"
#include "pyvmaf_tiny/cpu.hpp"
#include "vif_kernels.hpp"
#ifdef PVT_HAVE_X86_KERNELS
#include "../x86/vif_x86.hpp"
#endif
#ifdef PVT_HAVE_NEON_KERNELS
#include "../arm/neon_kernels.hpp"
#endif

namespace pvt::feature::kernels {
namespace {

// Columns are processed in chunks with the tap loop outside, which lets
// compilers vectorise the column loops.
constexpr int kChunk = 64;

// Which moments a pass computes: all of a pair's, the reference's alone
// (mu1, xx), or the rest given the reference's (mu2, yy, xy).
enum class Part { all, ref, pair };

template <Part kPart, int Taps, class T>
void stat_vertical(const T* const* ref_rows, const T* const* dis_rows, const std::uint16_t* filter, int width,
                   int mu_shift, int sq_shift, const VifMoments& out) {
  constexpr bool kRef = kPart != Part::pair, kPair = kPart != Part::ref;
  // 8-bit products sum exactly in 32 bits; deeper samples need 64.
  using Sq = std::conditional_t<sizeof(T) == 1, std::uint32_t, std::uint64_t>;
  const std::uint32_t mu_round = std::uint32_t{1} << (mu_shift - 1);
  const Sq sq_round = sq_shift > 0 ? Sq{1} << (sq_shift - 1) : 0;
  for (int j0 = 0; j0 < width; j0 += kChunk) {
    const int n = std::min(kChunk, width - j0);
    std::uint32_t s1[kChunk] = {}, s2[kChunk] = {};
    Sq sxx[kChunk] = {}, syy[kChunk] = {}, sxy[kChunk] = {};
    for (int t = 0; t < Taps; ++t) {
      const T* r = ref_rows[t] + j0;
      const T* d = kPair ? dis_rows[t] + j0 : nullptr;
      const std::uint32_t f = filter[t];
      for (int j = 0; j < n; ++j) {
        const std::uint32_t fr = f * r[j];
        if constexpr (kRef) {
          s1[j] += fr;
          sxx[j] += Sq{fr} * r[j];
        }
        if constexpr (kPair) {
          const std::uint32_t fd = f * d[j];
          s2[j] += fd;
          syy[j] += Sq{fd} * d[j];
          sxy[j] += Sq{fr} * d[j];
        }
      }
    }
    for (int j = 0; j < n; ++j) {
      if constexpr (kRef) {
        out.mu1[j0 + j] = (s1[j] + mu_round) >> mu_shift;
        out.xx[j0 + j] = static_cast<std::uint32_t>((sxx[j] + sq_round) >> sq_shift);
      }
      if constexpr (kPair) {
        out.mu2[j0 + j] = (s2[j] + mu_round) >> mu_shift;
        out.yy[j0 + j] = static_cast<std::uint32_t>((syy[j] + sq_round) >> sq_shift);
        out.xy[j0 + j] = static_cast<std::uint32_t>((sxy[j] + sq_round) >> sq_shift);
      }
    }
  }
}

// The horizontal pass of Part::all accumulates every statistic; Part::ref
// keeps each position's filtered mean and variance of the reference in
// `terms` and accumulates the denominator; Part::pair reads them back and
// accumulates the numerator.
template <Part kPart, int Taps>
void stat_horizontal(const VifMoments& in, const std::uint16_t* filter, int width, double gain_limit,
                     const std::uint16_t* log2_table, const VifRefTerms& terms, VifSums& sums) {
  constexpr bool kRef = kPart != Part::pair, kPair = kPart != Part::ref;
  constexpr int kHalf = Taps / 2;
  constexpr std::uint64_t kRound32 = std::uint64_t{1} << 31;
  VifSums acc;
  for (int j0 = 0; j0 < width; j0 += kChunk) {
    const int n = std::min(kChunk, width - j0);
    std::uint32_t mu1[kChunk] = {}, mu2[kChunk] = {};
    std::uint64_t xx[kChunk] = {}, yy[kChunk] = {}, xy[kChunk] = {};
    for (int t = 0; t < Taps; ++t) {
      const int c = j0 - kHalf + t;
      const std::uint32_t f = filter[t];
      for (int j = 0; j < n; ++j) {
        if constexpr (kRef) {
          mu1[j] += f * in.mu1[c + j];
          xx[j] += std::uint64_t{f} * in.xx[c + j];
        }
        if constexpr (kPair) {
          mu2[j] += f * in.mu2[c + j];
          yy[j] += std::uint64_t{f} * in.yy[c + j];
          xy[j] += std::uint64_t{f} * in.xy[c + j];
        }
      }
    }
    for (int j = 0; j < n; ++j) {
      std::int32_t sigma1_sq;
      if constexpr (kRef) {
        const auto mu1_sq = static_cast<std::uint32_t>((std::uint64_t{mu1[j]} * mu1[j] + kRound32) >> 32);
        const auto xx_f = static_cast<std::uint32_t>((xx[j] + 32768) >> 16);
        sigma1_sq = static_cast<std::int32_t>(xx_f - mu1_sq);
        if constexpr (kPart == Part::ref) {
          terms.mu1[j0 + j] = mu1[j];
          terms.sigma1_sq[j0 + j] = sigma1_sq;
          vif_accumulate_den(sigma1_sq, log2_table, acc);
          continue;
        }
      } else {
        mu1[j] = terms.mu1[j0 + j];
        sigma1_sq = terms.sigma1_sq[j0 + j];
      }
      const auto mu2_sq = static_cast<std::uint32_t>((std::uint64_t{mu2[j]} * mu2[j] + kRound32) >> 32);
      const auto mu1_mu2 = static_cast<std::uint32_t>((std::uint64_t{mu1[j]} * mu2[j] + kRound32) >> 32);
      const auto yy_f = static_cast<std::uint32_t>((yy[j] + 32768) >> 16);
      const auto xy_f = static_cast<std::uint32_t>((xy[j] + 32768) >> 16);
      const auto sigma2_sq = static_cast<std::int32_t>(yy_f - mu2_sq);
      const auto sigma12 = static_cast<std::int32_t>(xy_f - mu1_mu2);
      if constexpr (kPart == Part::all)
        vif_accumulate(sigma1_sq, sigma2_sq, sigma12, gain_limit, log2_table, acc);
      else
        vif_accumulate_num(sigma1_sq, sigma2_sq, sigma12, gain_limit, log2_table, acc);
    }
  }
  sums.num_log += acc.num_log;
  sums.den_log += acc.den_log;
  sums.num_lin += acc.num_lin;
  sums.den_lin += acc.den_lin;
}

template <int Taps, class T>
void blur_vertical(const T* const* ref_rows, const T* const* dis_rows, const std::uint16_t* filter, int width,
                   int shift, std::uint16_t* ref_out, std::uint16_t* dis_out) {
  const std::uint32_t round = std::uint32_t{1} << (shift - 1);
  for (int j0 = 0; j0 < width; j0 += kChunk) {
    const int n = std::min(kChunk, width - j0);
    std::uint32_t sr[kChunk] = {}, sd[kChunk] = {};
    for (int t = 0; t < Taps; ++t) {
      const T* r = ref_rows[t] + j0;
      const T* d = dis_rows[t] + j0;
      const std::uint32_t f = filter[t];
      for (int j = 0; j < n; ++j) {
        sr[j] += f * r[j];
        sd[j] += f * d[j];
      }
    }
    for (int j = 0; j < n; ++j) {
      ref_out[j0 + j] = static_cast<std::uint16_t>((sr[j] + round) >> shift);
      dis_out[j0 + j] = static_cast<std::uint16_t>((sd[j] + round) >> shift);
    }
  }
}

template <int Taps>
void blur_horizontal_decimate(const std::uint16_t* ref_in, const std::uint16_t* dis_in, const std::uint16_t* filter,
                              int out_width, std::uint16_t* ref_out, std::uint16_t* dis_out) {
  constexpr int kHalf = Taps / 2;
  for (int k = 0; k < out_width; ++k) {
    const int c0 = 2 * k - kHalf;
    std::uint32_t sr = 0, sd = 0;
    for (int t = 0; t < Taps; ++t) {
      sr += filter[t] * std::uint32_t{ref_in[c0 + t]};
      sd += filter[t] * std::uint32_t{dis_in[c0 + t]};
    }
    ref_out[k] = static_cast<std::uint16_t>((sr + 32768) >> 16);
    dis_out[k] = static_cast<std::uint16_t>((sd + 32768) >> 16);
  }
}

// Dispatches a runtime scale to the template instantiated for its filter length.
template <class F>
decltype(auto) with_taps(int scale, F&& f) {
  switch (scale) {
    case 0: return f.template operator()<17>();
    case 1: return f.template operator()<9>();
    case 2: return f.template operator()<5>();
    default: return f.template operator()<3>();
  }
}

template <Part kPart = Part::all, class T>
void stat_vertical_any(const T* const* ref_rows, const T* const* dis_rows, int scale, int width, int mu_shift,
                       int sq_shift, const VifMoments& out) {
  with_taps(scale, [&]<int Taps>() {
    stat_vertical<kPart, Taps>(ref_rows, dis_rows, kVifFilter[scale], width, mu_shift, sq_shift, out);
  });
}

template <Part kPart>
void stat_horizontal_any(const VifMoments& in, int scale, int width, double gain_limit,
                         const std::uint16_t* log2_table, const VifRefTerms& terms, VifSums& sums) {
  with_taps(scale, [&]<int Taps>() {
    stat_horizontal<kPart, Taps>(in, kVifFilter[scale], width, gain_limit, log2_table, terms, sums);
  });
}

template <class T>
void blur_vertical_any(const T* const* ref_rows, const T* const* dis_rows, int scale, int width, int shift,
                       std::uint16_t* ref_out, std::uint16_t* dis_out) {
  with_taps(scale, [&]<int Taps>() {
    blur_vertical<Taps>(ref_rows, dis_rows, kVifFilter[scale], width, shift, ref_out, dis_out);
  });
}

}  // namespace

void vif_stat_vertical_u8_scalar(const std::uint8_t* const* ref_rows, const std::uint8_t* const* dis_rows,
                                 int scale, int width, int mu_shift, int sq_shift, const VifMoments& out) {
  stat_vertical_any(ref_rows, dis_rows, scale, width, mu_shift, sq_shift, out);
}

void vif_stat_vertical_u16_scalar(const std::uint16_t* const* ref_rows, const std::uint16_t* const* dis_rows,
                                  int scale, int width, int mu_shift, int sq_shift, const VifMoments& out) {
  stat_vertical_any(ref_rows, dis_rows, scale, width, mu_shift, sq_shift, out);
}

void vif_stat_horizontal_scalar(const VifMoments& in, int scale, int width, double gain_limit,
                                const std::uint16_t* log2_table, VifSums& sums) {
  stat_horizontal_any<Part::all>(in, scale, width, gain_limit, log2_table, VifRefTerms{}, sums);
}

void vif_blur_vertical_u8_scalar(const std::uint8_t* const* ref_rows, const std::uint8_t* const* dis_rows,
                                 int scale, int width, int shift, std::uint16_t* ref_out, std::uint16_t* dis_out) {
  blur_vertical_any(ref_rows, dis_rows, scale, width, shift, ref_out, dis_out);
}

void vif_blur_vertical_u16_scalar(const std::uint16_t* const* ref_rows, const std::uint16_t* const* dis_rows,
                                  int scale, int width, int shift, std::uint16_t* ref_out, std::uint16_t* dis_out) {
  blur_vertical_any(ref_rows, dis_rows, scale, width, shift, ref_out, dis_out);
}

void vif_blur_horizontal_decimate_scalar(const std::uint16_t* ref_in, const std::uint16_t* dis_in, int scale,
                                         int out_width, std::uint16_t* ref_out, std::uint16_t* dis_out) {
  with_taps(scale, [&]<int Taps>() {
    blur_horizontal_decimate<Taps>(ref_in, dis_in, kVifFilter[scale], out_width, ref_out, dis_out);
  });
}

namespace {

// Scratch rows of the scalar passes, carved from VifStatsParams::scratch.
std::uint32_t* scratch_row32(void* scratch, int width, int index) {
  const auto row = static_cast<std::size_t>(width + 2 * kVifPad);
  return static_cast<std::uint32_t*>(scratch) + row * static_cast<std::size_t>(index) + kVifPad;
}

template <class T>
void stats_rows(const T* const* ref_rows, const T* const* dis_rows, const VifStatsParams& p, VifSums& sums) {
  const int taps = kVifTaps[p.scale], half = taps / 2;
  const VifMoments m{scratch_row32(p.scratch, p.width, 0), scratch_row32(p.scratch, p.width, 1),
                     scratch_row32(p.scratch, p.width, 2), scratch_row32(p.scratch, p.width, 3),
                     scratch_row32(p.scratch, p.width, 4)};
  for (int i = 0; i < p.height; ++i) {
    if constexpr (sizeof(T) == 1)
      vif_stat_vertical_u8_scalar(ref_rows + i - half, dis_rows + i - half, p.scale, p.width, p.mu_shift,
                                  p.sq_shift, m);
    else
      vif_stat_vertical_u16_scalar(ref_rows + i - half, dis_rows + i - half, p.scale, p.width, p.mu_shift,
                                   p.sq_shift, m);
    for (auto* row : {m.mu1, m.mu2, m.xx, m.yy, m.xy}) vif_mirror_columns(row, p.width, half);
    vif_stat_horizontal_scalar(m, p.scale, p.width, p.gain_limit, p.log2_table, sums);
  }
}

// Ladder statistics: per row, the reference's moments and terms once, then
// each pair's. The rows of the moments a pass does not compute are left alone.
template <class T>
void ladder_stats_rows(const T* const* ref_rows, const T* const* const* dis_rows, int n, const VifStatsParams& p,
                       VifSums* sums) {
  const int taps = kVifTaps[p.scale], half = taps / 2;
  const VifMoments m{scratch_row32(p.scratch, p.width, 0), scratch_row32(p.scratch, p.width, 1),
                     scratch_row32(p.scratch, p.width, 2), scratch_row32(p.scratch, p.width, 3),
                     scratch_row32(p.scratch, p.width, 4)};
  const VifRefTerms terms{scratch_row32(p.scratch, p.width, 5),
                          reinterpret_cast<std::int32_t*>(scratch_row32(p.scratch, p.width, 6))};
  VifSums den;
  for (int i = 0; i < p.height; ++i) {
    stat_vertical_any<Part::ref>(ref_rows + i - half, ref_rows + i - half, p.scale, p.width, p.mu_shift,
                                 p.sq_shift, m);
    for (auto* row : {m.mu1, m.xx}) vif_mirror_columns(row, p.width, half);
    stat_horizontal_any<Part::ref>(m, p.scale, p.width, p.gain_limit, p.log2_table, terms, den);
    for (int k = 0; k < n; ++k) {
      stat_vertical_any<Part::pair>(ref_rows + i - half, dis_rows[k] + i - half, p.scale, p.width, p.mu_shift,
                                    p.sq_shift, m);
      for (auto* row : {m.mu2, m.yy, m.xy}) vif_mirror_columns(row, p.width, half);
      stat_horizontal_any<Part::pair>(m, p.scale, p.width, p.gain_limit, p.log2_table, terms, sums[k]);
    }
  }
  for (int k = 0; k < n; ++k) {
    sums[k].den_log += den.den_log;
    sums[k].den_lin += den.den_lin;
  }
}

template <class T>
void downscale_rows(const T* const* ref_rows, const T* const* dis_rows, const VifDownscaleParams& p,
                    std::uint16_t* ref_out, std::uint16_t* dis_out) {
  const int half = kVifTaps[p.scale] / 2, w = p.src_width;
  const auto row = static_cast<std::size_t>(w + 2 * kVifPad);
  std::uint16_t* rb = static_cast<std::uint16_t*>(p.scratch) + kVifPad;
  std::uint16_t* db = rb + row;
  for (int i = 0; i < p.height; ++i) {
    const int top = 2 * i - half;
    if constexpr (sizeof(T) == 1)
      vif_blur_vertical_u8_scalar(ref_rows + top, dis_rows + top, p.scale, w, p.shift, rb, db);
    else
      vif_blur_vertical_u16_scalar(ref_rows + top, dis_rows + top, p.scale, w, p.shift, rb, db);
    vif_mirror_columns(rb, w, half);
    vif_mirror_columns(db, w, half);
    const auto offset = static_cast<std::size_t>(i) * static_cast<std::size_t>(p.width);
    vif_blur_horizontal_decimate_scalar(rb, db, p.scale, p.width, ref_out + offset, dis_out + offset);
  }
}

}  // namespace

void vif_stats_u8_scalar(const std::uint8_t* const* ref_rows, const std::uint8_t* const* dis_rows,
                         const VifStatsParams& p, VifSums& sums) {
  stats_rows(ref_rows, dis_rows, p, sums);
}

void vif_stats_u16_scalar(const std::uint16_t* const* ref_rows, const std::uint16_t* const* dis_rows,
                          const VifStatsParams& p, VifSums& sums) {
  stats_rows(ref_rows, dis_rows, p, sums);
}

void vif_downscale_u8_scalar(const std::uint8_t* const* ref_rows, const std::uint8_t* const* dis_rows,
                             const VifDownscaleParams& p, std::uint16_t* ref_out, std::uint16_t* dis_out) {
  downscale_rows(ref_rows, dis_rows, p, ref_out, dis_out);
}

void vif_downscale_u16_scalar(const std::uint16_t* const* ref_rows, const std::uint16_t* const* dis_rows,
                              const VifDownscaleParams& p, std::uint16_t* ref_out, std::uint16_t* dis_out) {
  downscale_rows(ref_rows, dis_rows, p, ref_out, dis_out);
}

void vif_ladder_stats_u8_scalar(const std::uint8_t* const* ref_rows, const std::uint8_t* const* const* dis_rows,
                                int n, const VifStatsParams& p, VifSums* sums) {
  ladder_stats_rows(ref_rows, dis_rows, n, p, sums);
}

void vif_ladder_stats_u16_scalar(const std::uint16_t* const* ref_rows, const std::uint16_t* const* const* dis_rows,
                                 int n, const VifStatsParams& p, VifSums* sums) {
  ladder_stats_rows(ref_rows, dis_rows, n, p, sums);
}

VifKernels select_vif_kernels(int bpc) {
  (void)bpc;
#ifdef PVT_HAVE_X86_KERNELS
  switch (active_isa()) {
    case Isa::avx512:
      return vnni_usable(Isa::avx512) ? vif_kernels_avx512_vnni() : vif_kernels_avx512();
    case Isa::avx2: return vnni_usable(Isa::avx2) ? vif_kernels_avx2_vnni() : vif_kernels_avx2();
    default: break;
  }
#endif
#ifdef PVT_HAVE_NEON_KERNELS
  if (active_isa() == Isa::neon) return vif_kernels_neon();
#endif
  return {vif_stats_u8_scalar,      vif_stats_u16_scalar,       vif_downscale_u8_scalar,
          vif_downscale_u16_scalar, vif_ladder_stats_u8_scalar, vif_ladder_stats_u16_scalar};
}

const std::uint16_t* vif_log2_table() {
  static const std::vector<std::uint16_t> table = [] {
    std::vector<std::uint16_t> t(65536 + 16, 0);
    // libvmaf rounds log2f(i) * 2048; a correctly rounded float log2 gives
    // the same table independently of the platform's log2f.
    for (int i = 32767; i < 65536; ++i) {
      const float l = static_cast<float>(exact::log2(static_cast<double>(i)));
      t[static_cast<std::size_t>(i)] = static_cast<std::uint16_t>(std::round(l * 2048.0f));
    }
    return t;
  }();
  return table.data();
}

}  // namespace pvt::feature::kernels
