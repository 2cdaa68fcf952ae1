// VIF kernels for NEON: vif_simd.hpp over 128-bit vectors (8 columns a step).
#include <arm_neon.h>

#include <cstdint>
#include <cstring>

#include "neon_ops.hpp"
#include "../x86/vif_simd.hpp"
#include "neon_kernels.hpp"

namespace pvt::feature::kernels {
namespace {

namespace n = neon;

struct VifNeon {
  using V = uint32x4_t;
  using Vh = uint32x2_t;
  using Vd = float64x2_t;
  using M = uint32x4_t;  // all-ones 32-bit lanes
  static constexpr int kWords = 8;

  static V zero() { return vdupq_n_u32(0); }
  static V set16(int x) { return n::from(vdupq_n_u16(static_cast<std::uint16_t>(x))); }
  static V set32(std::int32_t x) { return vdupq_n_u32(static_cast<std::uint32_t>(x)); }
  static V set64(std::int64_t x) { return n::from(vdupq_n_s64(x)); }
  static V load(const void* p) { return n::from(vld1q_u8(static_cast<const std::uint8_t*>(p))); }
  static void store(void* p, V v) { vst1q_u8(static_cast<std::uint8_t*>(p), vreinterpretq_u8_u32(v)); }
  static V load_words(const std::uint16_t* p) { return n::from(vld1q_u16(p)); }
  static V load_words(const std::uint8_t* p) { return n::from(vmovl_u8(vld1_u8(p))); }
  // 8-bit samples minus 128, as int16.
  static V load_centred(const std::uint8_t* p) {
    return n::from(vmovl_s8(vreinterpret_s8_u8(veor_u8(vld1_u8(p), vdup_n_u8(0x80)))));
  }

  static void prefetch(const void* p) { n::prefetch(p); }
  static V add16(V a, V b) { return n::from(vaddq_u16(n::u16(a), n::u16(b))); }
  static V add32(V a, V b) { return vaddq_u32(a, b); }
  static V sub32(V a, V b) { return vsubq_u32(a, b); }
  static V add64(V a, V b) { return n::from(vaddq_u64(n::u64(a), n::u64(b))); }
  static V sub64(V a, V b) { return n::from(vsubq_u64(n::u64(a), n::u64(b))); }
  static V xor_(V a, V b) { return veorq_u32(a, b); }
  static V and_(V a, V b) { return vandq_u32(a, b); }
  static V or_(V a, V b) { return vorrq_u32(a, b); }
  static V max32(V a, V b) { return n::from(vmaxq_s32(n::s32(a), n::s32(b))); }
  static V dot_add(V acc, V a, V b) { return vaddq_u32(acc, n::madd(a, b)); }
  static V mullo16(V a, V b) { return n::from(vmulq_u16(n::u16(a), n::u16(b))); }
  static V mulhi16(V a, V b) { return n::mulhi16(a, b); }
  static V mul_epu32(V a, V b) { return n::mul_epu32(a, b); }
  static V unpacklo16(V a, V b) { return n::unpacklo16(a, b); }
  static V unpackhi16(V a, V b) { return n::unpackhi16(a, b); }
  static V packus32(V a, V b) { return n::packus32(a, b); }
  template <int N>
  static V srli32(V a) { return vshrq_n_u32(a, N); }
  template <int N>
  static V slli32(V a) { return vshlq_n_u32(a, N); }
  template <int N>
  static V srai32(V a) { return n::from(vshrq_n_s32(n::s32(a), N)); }
  template <int N>
  static V srli64(V a) { return n::from(vshrq_n_u64(n::u64(a), N)); }
  template <int N>
  static V slli64(V a) { return n::from(vshlq_n_u64(n::u64(a), N)); }
  static V srl32(V a, int c) { return n::srl32(a, c); }
  static V sll32(V a, int c) { return n::sll32(a, c); }
  static V srlv32(V a, V c) { return n::srlv32(a, c); }
  static V blend_odd32(V even, V odd) { return n::blend_odd32(even, odd); }
  static V float_bits(V a) { return vreinterpretq_u32_f32(vcvtq_f32_s32(n::s32(a))); }

  static M lt32(V a, V b) { return vcltq_s32(n::s32(a), n::s32(b)); }
  static M gt32(V a, V b) { return vcgtq_s32(n::s32(a), n::s32(b)); }
  static M mand(M a, M b) { return vandq_u32(a, b); }
  static M mandnot(M a, M b) { return vbicq_u32(b, a); }
  static M first_lanes(int c) {
    const int32x4_t idx = {0, 1, 2, 3};
    return vcgtq_s32(vdupq_n_s32(c), idx);
  }
  static bool none(M m) { return n::none(m); }
  static bool none16(V v) { return n::none(v); }
  static int count(M m) { return -vaddvq_s32(n::s32(m)); }
  static V masked32(M m, V v) { return vandq_u32(m, v); }
  static V mask_add32(V acc, M m, V v) { return vaddq_u32(acc, vandq_u32(m, v)); }

  template <int H>
  static Vh half(V v) { return H ? vget_high_u32(v) : vget_low_u32(v); }
  static Vh zero_h() { return vdup_n_u32(0); }
  static Vh set32h(std::int32_t x) { return vdup_n_u32(static_cast<std::uint32_t>(x)); }
  static Vh add32h(Vh a, Vh b) { return vadd_u32(a, b); }
  static Vh max32h(Vh a, Vh b) {
    return vreinterpret_u32_s32(vmax_s32(vreinterpret_s32_u32(a), vreinterpret_s32_u32(b)));
  }
  static Vd cvt_pd(Vh a) { return vcvtq_f64_s64(vmovl_s32(vreinterpret_s32_u32(a))); }
  static Vh cvtt_i32(Vd a) { return vreinterpret_u32_s32(n::cvtt_i32(a)); }
  static V combine(Vh lo, Vh hi) { return vcombine_u32(lo, hi); }
  static Vh narrow64(V a) { return vmovn_u64(n::u64(a)); }  // low halves of the 64-bit lanes
  static Vd set_pd(double x) { return vdupq_n_f64(x); }
  static Vd add_pd(Vd a, Vd b) { return vaddq_f64(a, b); }
  static Vd sub_pd(Vd a, Vd b) { return vsubq_f64(a, b); }
  static Vd mul_pd(Vd a, Vd b) { return vmulq_f64(a, b); }
  static Vd div_pd(Vd a, Vd b) { return vdivq_f64(a, b); }
  static Vd min_pd(Vd a, Vd b) { return n::min_pd(a, b); }
  static Vd trunc_pd(Vd a) { return vrndq_f64(a); }
  static V bits(Vd a) { return vreinterpretq_u32_f64(a); }

  // table[idx] for idx < 65536.
  static V lookup(const std::uint16_t* table, V idx) {
    alignas(16) std::uint32_t i[4], out[4];
    vst1q_u32(i, idx);
    for (int k = 0; k < 4; ++k) out[k] = table[i[k] & 0xffff];
    return vld1q_u32(out);
  }

  static std::int64_t sum64(V v) { return static_cast<std::int64_t>(vaddvq_u64(n::u64(v))); }
  static std::int64_t sum32(V v) { return vaddlvq_s32(n::s32(v)); }
  // 32-bit lanes (values below 2^16) to 16-bit, in order.
  static Vh narrow16(V v) { return vreinterpret_u32_u16(vqmovn_u32(v)); }
  static void store_words(std::uint16_t* p, Vh v, int count) {
    if (count >= 4) {
      vst1_u16(p, vreinterpret_u16_u32(v));
    } else {
      alignas(8) std::uint16_t tmp[4];
      vst1_u16(tmp, vreinterpret_u16_u32(v));
      std::memcpy(p, tmp, static_cast<std::size_t>(count) * sizeof(std::uint16_t));
    }
  }
};

}  // namespace

VifKernels vif_kernels_neon() { return VifSimd<VifNeon>::kernels(); }

}  // namespace pvt::feature::kernels
