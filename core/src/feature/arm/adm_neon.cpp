// ADM fused passes for NEON: adm_simd.hpp over 128-bit vectors (4 int32
// lanes). Masks are vectors of all-ones / all-zero lanes.
#include <arm_neon.h>

#include <cstdint>
#include <cstring>

#include "neon_ops.hpp"
#include "../x86/adm_simd.hpp"
#include "neon_kernels.hpp"

namespace pvt::feature::kernels {
namespace {

namespace n = neon;

struct AdmNeon {
  using V = uint32x4_t;
  using M = uint32x4_t;    // per int32 lane
  using VD = float64x2_t;  // 2 doubles: half of V's lanes
  using MD = uint64x2_t;   // per 64-bit lane
  using VF = float32x4_t;
  static constexpr int N = 4;
  static constexpr bool kLzcnt = true;  // CLZ

  static V load(const void* p) { return n::from(vld1q_u8(static_cast<const std::uint8_t*>(p))); }
  static void store(void* p, V v) { vst1q_u8(static_cast<std::uint8_t*>(p), vreinterpretq_u8_u32(v)); }
  static V zero() { return vdupq_n_u32(0); }
  static V set1(std::int32_t x) { return vdupq_n_u32(static_cast<std::uint32_t>(x)); }
  static V set16(int x) { return n::from(vdupq_n_u16(static_cast<std::uint16_t>(x))); }
  static V set1_64(std::int64_t x) { return n::from(vdupq_n_s64(x)); }
  static V iota() { return uint32x4_t{0, 1, 2, 3}; }

  // 32-bit lanes
  static V add(V a, V b) { return vaddq_u32(a, b); }
  static V sub(V a, V b) { return vsubq_u32(a, b); }
  static V mullo(V a, V b) { return vmulq_u32(a, b); }
  static V and_(V a, V b) { return vandq_u32(a, b); }
  static V xor_(V a, V b) { return veorq_u32(a, b); }
  static V andnot(V a, V b) { return vbicq_u32(b, a); }  // ~a & b
  template <int S>
  static V srai(V a) { return n::from(vshrq_n_s32(n::s32(a), S)); }
  template <int S>
  static V srli(V a) { return vshrq_n_u32(a, S); }
  template <int S>
  static V slli(V a) { return vshlq_n_u32(a, S); }
  static V sra(V a, int s) { return n::sra32(a, s); }
  static V sll(V a, int s) { return n::sll32(a, s); }
  static V sllv(V a, V s) { return n::sllv32(a, s); }
  static V srlv(V a, V s) { return n::srlv32(a, s); }
  static V abs(V a) { return n::from(vabsq_s32(n::s32(a))); }
  static V lzcnt(V a) { return vclzq_u32(a); }
  static V min(V a, V b) { return n::from(vminq_s32(n::s32(a), n::s32(b))); }
  static V max(V a, V b) { return n::from(vmaxq_s32(n::s32(a), n::s32(b))); }
  static V minu(V a, V b) { return vminq_u32(a, b); }
  static V maxu(V a, V b) { return vmaxq_u32(a, b); }
  static V gather(const std::int32_t* base, V idx) {
    alignas(16) std::int32_t i[4], out[4];
    vst1q_s32(i, n::s32(idx));
    for (int k = 0; k < 4; ++k) out[k] = base[i[k]];
    return n::from(vld1q_s32(out));
  }

  static M cmpgt(V a, V b) { return vcgtq_s32(n::s32(a), n::s32(b)); }
  static M cmpeq(V a, V b) { return vceqq_u32(a, b); }
  static M mand(M a, M b) { return vandq_u32(a, b); }
  static M mandnot(M a, M b) { return vbicq_u32(b, a); }
  static M mnone() { return vdupq_n_u32(0); }
  static V blend(M m, V a, V b) { return vbslq_u32(m, b, a); }  // m ? b : a

  // 64-bit lanes
  static V add64(V a, V b) { return n::from(vaddq_u64(n::u64(a), n::u64(b))); }
  static V sub64(V a, V b) { return n::from(vsubq_u64(n::u64(a), n::u64(b))); }
  static V mul_epi32(V a, V b) { return n::mul_epi32(a, b); }
  static V mul_epu32(V a, V b) { return n::mul_epu32(a, b); }
  template <int S>
  static V srli64(V a) { return n::from(vshrq_n_u64(n::u64(a), S)); }
  template <int S>
  static V slli64(V a) { return n::from(vshlq_n_u64(n::u64(a), S)); }
  static V srl64(V a, int s) { return n::srl64(a, s); }
  static V sll64(V a, int s) { return n::sll64(a, s); }
  // A count of 64 leaves the sign in every bit, as x86's emulation does.
  static V sra64(V a, int s) { return n::from(vshlq_s64(n::s64(a), vdupq_n_s64(-(s > 63 ? 63 : s)))); }
  static V srlv64(V a, V s) { return n::srlv64(a, s); }
  static V sllv64(V a, V s) { return n::sllv64(a, s); }
  static V min64(V a, V b) { return n::from(vbslq_s64(vcgtq_s64(n::s64(a), n::s64(b)), n::s64(b), n::s64(a))); }
  static V max64(V a, V b) { return n::from(vbslq_s64(vcgtq_s64(n::s64(a), n::s64(b)), n::s64(a), n::s64(b))); }
  static V blend_odd32(V even, V odd) { return n::blend_odd32(even, odd); }
  static V pack_lo32(V a, V b) { return vuzp1q_u32(a, b); }
  // One 128-bit chunk per vector: already in order.
  static void interleave128(V a, V b, V& first, V& second) {
    first = a;
    second = b;
  }
  // The N int32 lanes (int16 values) as int16.
  static void store_narrow16(std::int16_t* p, V v) { vst1_s16(p, vqmovn_s32(n::s32(v))); }
  static std::uint64_t hsum64(V a) { return vaddvq_u64(n::u64(a)); }

  // 16-bit lanes
  // Low 16 bits of a, high 16 bits from b's low 16 bits: a madd pair.
  static V pair16(V a, V b) { return vsliq_n_u32(a, b, 16); }
  // High 16 bits of a, then high 16 bits of b: a madd pair.
  static V pair_hi16(V a, V b) { return vsriq_n_u32(b, a, 16); }
  // The odd (hi) and even (lo) 16-bit words of a then b, in order.
  static void deint16(V a, V b, V& hi, V& lo) {
    hi = n::from(vuzp2q_u16(n::u16(a), n::u16(b)));
    lo = n::from(vuzp1q_u16(n::u16(a), n::u16(b)));
  }
  // Lanes 1.. of a, then lane 0 of b.
  static V next_lane(V a, V b) { return vextq_u32(a, b, 1); }
  static V madd(V a, V b) { return n::madd(a, b); }
  static V dot_add(V acc, V a, V b) { return vaddq_u32(acc, n::madd(a, b)); }
  static V unpacklo16(V a, V b) { return n::unpacklo16(a, b); }
  static V unpackhi16(V a, V b) { return n::unpackhi16(a, b); }
  static V packs32(V a, V b) { return n::packs32(a, b); }
  // Whether any of 2N uint16 samples in four rows exceeds `max`.
  static bool any_above16(const std::uint16_t* a, const std::uint16_t* b, const std::uint16_t* c,
                          const std::uint16_t* d, int max) {
    const uint16x8_t m = vmaxq_u16(vmaxq_u16(vld1q_u16(a), vld1q_u16(b)), vmaxq_u16(vld1q_u16(c), vld1q_u16(d)));
    return vmaxvq_u16(m) > max;
  }
  static V load_centred(const std::uint8_t* p, V) {
    return n::from(vmovl_s8(vreinterpret_s8_u8(veor_u8(vld1_u8(p), vdup_n_u8(0x80)))));
  }
  static V load_centred(const std::uint16_t* p, V half) { return n::from(vsubq_u16(vld1q_u16(p), n::u16(half))); }

  // floating point
  static VF cvt_ps(V a) { return vcvtq_f32_s32(n::s32(a)); }
  static V ps_bits(VF a) { return vreinterpretq_u32_f32(a); }
  static VD ps_pd_lo(VF a) { return vcvt_f64_f32(vget_low_f32(a)); }
  static VD ps_pd_hi(VF a) { return vcvt_high_f64_f32(a); }
  static VD i32_pd_lo(V a) { return vcvtq_f64_s64(vmovl_s32(vget_low_s32(n::s32(a)))); }
  static VD i32_pd_hi(V a) { return vcvtq_f64_s64(vmovl_high_s32(n::s32(a))); }
  // (double)(float)x of each int64 lane, rounding once as C does (SCVTF to
  // single precision).
  static VD i64_f_pd(V a) {
    alignas(16) std::int64_t x[2];
    vst1q_s64(x, n::s64(a));
    const double d[2] = {static_cast<float>(x[0]), static_cast<float>(x[1])};
    return vld1q_f64(d);
  }
  static VD u63_f_pd(V u) { return i64_f_pd(u); }
  static VD set1_pd(double x) { return vdupq_n_f64(x); }
  static VD mul_pd(VD a, VD b) { return vmulq_f64(a, b); }
  static VD min_pd(VD a, VD b) { return n::min_pd(a, b); }
  static VD max_pd(VD a, VD b) { return n::max_pd(a, b); }
  static MD cmpge_pd(VD a, VD b) { return vcgeq_f64(a, b); }
  static MD mdand(MD a, MD b) { return vandq_u64(a, b); }
  static M mask_halves(MD lo, MD hi) { return vcombine_u32(vmovn_u64(lo), vmovn_u64(hi)); }
  static M mask_evenodd(MD even, MD odd) {
    return n::blend_odd32(vreinterpretq_u32_u64(even), vreinterpretq_u32_u64(odd));
  }
  static V pd_i32_round(VD lo, VD hi) {
    return n::from(vcombine_s32(n::cvtn_i32(lo), n::cvtn_i32(hi)));
  }
  static V pd_i32_trunc(VD lo, VD hi) { return n::from(vcombine_s32(n::cvtt_i32(lo), n::cvtt_i32(hi))); }
};

}  // namespace

AdmFused adm_fused_neon(int bpc) { return AdmSimd<AdmNeon>::table(bpc); }

}  // namespace pvt::feature::kernels
