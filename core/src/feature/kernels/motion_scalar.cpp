#include <cstdlib>

#include "motion_kernels.hpp"
#include "pyvmaf_tiny/cpu.hpp"

#ifdef PVT_HAVE_X86_KERNELS
#include "../x86/motion_x86.hpp"
#endif
#ifdef PVT_HAVE_NEON_KERNELS
#include "../arm/neon_kernels.hpp"
#endif

namespace pvt::feature::kernels {
namespace {

constexpr int kTaps = kMotionTaps;
constexpr int kRadius = kTaps / 2;
constexpr const std::int32_t (&kFilter)[kTaps] = kMotionFilter;
constexpr auto mirror = motion_mirror;

template <class T>
std::uint64_t sad_impl(const Plane& prev, const Plane& cur, std::int32_t* row, int begin, int end) {
  const int w = prev.width, h = prev.height;
  // Vertical pass keeps 8 fractional bits for 8-bit input; 16-bit input drops bpc bits.
  const int shift_y = prev.bpc == 8 ? 8 : prev.bpc;
  const std::int64_t round_y = std::int64_t{1} << (shift_y - 1);
  std::uint64_t sad = 0;
  for (int i = begin; i < end; ++i) {
    const T* prow[kTaps];
    const T* crow[kTaps];
    for (int k = 0; k < kTaps; ++k) {
      const int r = mirror(i - kRadius + k, h);
      prow[k] = prev.row<T>(r);
      crow[k] = cur.row<T>(r);
    }
    std::int32_t any = 0;
    for (int j = 0; j < w; ++j) {
      std::int64_t acc = 0;
      for (int k = 0; k < kTaps; ++k)
        acc += std::int64_t{kFilter[k]} * (std::int32_t{prow[k][j]} - std::int32_t{crow[k][j]});
      row[j] = static_cast<std::int32_t>((acc + round_y) >> shift_y);
      any |= row[j];
    }
    if (!any) continue;
    std::uint32_t row_sad = 0;
    for (int j = 0; j < w; ++j) {
      std::int64_t acc = 0;
      for (int k = 0; k < kTaps; ++k) acc += std::int64_t{kFilter[k]} * row[mirror(j - kRadius + k, w)];
      row_sad += static_cast<std::uint32_t>(std::abs(static_cast<std::int32_t>((acc + (1 << 15)) >> 16)));
    }
    sad += row_sad;
  }
  return sad;
}

}  // namespace

std::uint64_t motion_sad_scalar(const Plane& prev, const Plane& cur, std::int32_t* row, int row_begin,
                                int row_end) {
  return prev.bpc == 8 ? sad_impl<std::uint8_t>(prev, cur, row, row_begin, row_end)
                       : sad_impl<std::uint16_t>(prev, cur, row, row_begin, row_end);
}

MotionSadFn select_motion_sad(int bpc) {
  (void)bpc;
#ifdef PVT_HAVE_X86_KERNELS
  switch (active_isa()) {
    case Isa::avx512: return motion_sad_avx512;
    case Isa::avx2: return motion_sad_avx2;
    default: break;
  }
#endif
#ifdef PVT_HAVE_NEON_KERNELS
  if (active_isa() == Isa::neon) return motion_sad_neon;
#endif
  return motion_sad_scalar;
}

}  // namespace pvt::feature::kernels
