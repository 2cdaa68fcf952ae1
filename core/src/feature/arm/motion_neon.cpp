// NEON motion SAD: motion_simd.hpp over 4 int32 lanes (8 int16 lanes for 8-bit input).
#include <arm_neon.h>

#include <cstring>

#include "neon_ops.hpp"
#include "../x86/motion_simd.hpp"
#include "neon_kernels.hpp"

namespace pvt::feature::kernels {
namespace {

namespace n = neon;

struct MotionNeon {
  using V = uint32x4_t;
  static constexpr int N = 4;
  static V widen(const std::uint8_t* p) {
    std::uint32_t four;
    std::memcpy(&four, p, sizeof four);
    return vmovl_u16(vget_low_u16(vmovl_u8(vcreate_u8(four))));
  }
  static V widen(const std::uint16_t* p) { return vmovl_u16(vld1_u16(p)); }
  static V load(const std::int32_t* p) { return n::from(vld1q_s32(p)); }
  static void store(std::int32_t* p, V v) { vst1q_s32(p, n::s32(v)); }
  static V zero() { return vdupq_n_u32(0); }
  static V set1(std::int32_t x) { return vdupq_n_u32(static_cast<std::uint32_t>(x)); }
  static V add(V a, V b) { return vaddq_u32(a, b); }
  static V sub(V a, V b) { return vsubq_u32(a, b); }
  static V mullo(V a, V b) { return vmulq_u32(a, b); }
  static V and_(V a, V b) { return vandq_u32(a, b); }
  static V or_(V a, V b) { return vorrq_u32(a, b); }
  static V abs(V a) { return n::from(vabsq_s32(n::s32(a))); }
  static V srai(V a, int s) { return n::sra32(a, s); }
  // int16 lanes, for 8-bit input
  static V widen16(const std::uint8_t* p) { return n::from(vmovl_u8(vld1_u8(p))); }
  static V load16(const std::int16_t* p) { return n::from(vld1q_s16(p)); }
  static void store16(std::int16_t* p, V v) { vst1q_s16(p, n::s16(v)); }
  static V add16(V a, V b) { return n::from(vaddq_u16(n::u16(a), n::u16(b))); }
  static V sub16(V a, V b) { return n::from(vsubq_u16(n::u16(a), n::u16(b))); }
  static V unpacklo16(V a, V b) { return n::unpacklo16(a, b); }
  static V unpackhi16(V a, V b) { return n::unpackhi16(a, b); }
  static V madd(V a, V b) { return n::madd(a, b); }
  static V packs32(V a, V b) { return n::packs32(a, b); }
  static bool any_set(V a) { return !n::none(a); }
  static std::uint32_t sum_u32(V a) { return vaddvq_u32(a); }
};

}  // namespace

std::uint64_t motion_sad_neon(const Plane& prev, const Plane& cur, std::int32_t* row, int row_begin, int row_end) {
  return motion_simd::motion_sad<MotionNeon>(prev, cur, row, row_begin, row_end, motion_sad_scalar);
}

}  // namespace pvt::feature::kernels
