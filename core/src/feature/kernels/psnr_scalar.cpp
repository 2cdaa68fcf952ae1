#include "psnr_kernels.hpp"

namespace pvt::feature::kernels {
namespace {

std::uint64_t sse_u8(const Plane& ref, const Plane& dist) {
  std::uint64_t total = 0;
  for (int y = 0; y < ref.height; ++y) {
    const std::uint8_t* a = ref.row<std::uint8_t>(y);
    const std::uint8_t* b = dist.row<std::uint8_t>(y);
    std::uint32_t row_sum = 0;  // wraps like libvmaf's 32-bit row sum
    for (int x = 0; x < ref.width; ++x) {
      const std::int32_t d = std::int32_t{a[x]} - std::int32_t{b[x]};
      row_sum += static_cast<std::uint32_t>(d * d);
    }
    total += row_sum;
  }
  return total;
}

std::uint64_t sse_u16(const Plane& ref, const Plane& dist) {
  std::uint64_t total = 0;
  for (int y = 0; y < ref.height; ++y) {
    const std::uint16_t* a = ref.row<std::uint16_t>(y);
    const std::uint16_t* b = dist.row<std::uint16_t>(y);
    for (int x = 0; x < ref.width; ++x) {
      const std::uint32_t d = a[x] > b[x] ? std::uint32_t{a[x]} - b[x] : std::uint32_t{b[x]} - a[x];
      total += d * d;  // at most 65535^2, which fits 32 bits
    }
  }
  return total;
}

}  // namespace

std::uint64_t psnr_sse_scalar(const Plane& ref, const Plane& dist) {
  return ref.bpc == 8 ? sse_u8(ref, dist) : sse_u16(ref, dist);
}

PsnrSseFn select_psnr_sse(int bpc) {
  (void)bpc;
  return psnr_sse_scalar;
}

}  // namespace pvt::feature::kernels
