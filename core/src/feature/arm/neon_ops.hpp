#pragma once
// NEON versions of the x86 integer operations the SIMD kernel templates
// (../x86/*_simd.hpp) are written in, with x86's semantics on one 128-bit
// lane: madd's pairwise int16 products, unpack, saturating packs, shifts
// whose counts past the lane width give 0, minpd's operand order. NEON is
// part of every aarch64 CPU, so these files need no ISA flags.
#include <arm_neon.h>

#include <cstdint>

namespace pvt::feature::kernels::neon {

using U32 = uint32x4_t;

inline int16x8_t s16(U32 v) { return vreinterpretq_s16_u32(v); }
inline uint16x8_t u16(U32 v) { return vreinterpretq_u16_u32(v); }
inline int32x4_t s32(U32 v) { return vreinterpretq_s32_u32(v); }
inline uint64x2_t u64(U32 v) { return vreinterpretq_u64_u32(v); }
inline int64x2_t s64(U32 v) { return vreinterpretq_s64_u32(v); }
inline U32 from(int16x8_t v) { return vreinterpretq_u32_s16(v); }
inline U32 from(uint16x8_t v) { return vreinterpretq_u32_u16(v); }
inline U32 from(int32x4_t v) { return vreinterpretq_u32_s32(v); }
inline U32 from(uint64x2_t v) { return vreinterpretq_u32_u64(v); }
inline U32 from(int64x2_t v) { return vreinterpretq_u32_s64(v); }
inline U32 from(uint8x16_t v) { return vreinterpretq_u32_u8(v); }

// pmaddwd: a0*b0 + a1*b1 over the int16 pairs of each 32-bit lane (mod 2^32).
inline U32 madd(U32 a, U32 b) {
  const int32x4_t lo = vmull_s16(vget_low_s16(s16(a)), vget_low_s16(s16(b)));
  const int32x4_t hi = vmull_high_s16(s16(a), s16(b));
  return from(vpaddq_s32(lo, hi));
}
inline U32 unpacklo16(U32 a, U32 b) { return from(vzip1q_u16(u16(a), u16(b))); }
inline U32 unpackhi16(U32 a, U32 b) { return from(vzip2q_u16(u16(a), u16(b))); }
// packusdw / packssdw: int32 lanes of a then b, saturated to uint16 / int16.
inline U32 packus32(U32 a, U32 b) { return from(vqmovun_high_s32(vqmovun_s32(s32(a)), s32(b))); }
inline U32 packs32(U32 a, U32 b) { return from(vqmovn_high_s32(vqmovn_s32(s32(a)), s32(b))); }
// pmulhuw: high halves of the unsigned 16-bit products.
inline U32 mulhi16(U32 a, U32 b) {
  const uint32x4_t lo = vmull_u16(vget_low_u16(u16(a)), vget_low_u16(u16(b)));
  const uint32x4_t hi = vmull_high_u16(u16(a), u16(b));
  return from(vuzp2q_u16(vreinterpretq_u16_u32(lo), vreinterpretq_u16_u32(hi)));
}
// pmuludq / pmuldq: the low 32 bits of each 64-bit lane, multiplied to 64.
inline U32 mul_epu32(U32 a, U32 b) { return from(vmull_u32(vmovn_u64(u64(a)), vmovn_u64(u64(b)))); }
inline U32 mul_epi32(U32 a, U32 b) {
  return from(vmull_s32(vmovn_s64(s64(a)), vmovn_s64(s64(b))));
}
// Shifts by a count for all lanes (0 past the lane width, as x86).
inline U32 srl32(U32 a, int n) { return vshlq_u32(a, vdupq_n_s32(-n)); }
inline U32 sll32(U32 a, int n) { return vshlq_u32(a, vdupq_n_s32(n)); }
inline U32 sra32(U32 a, int n) { return from(vshlq_s32(s32(a), vdupq_n_s32(-(n > 31 ? 31 : n)))); }
inline U32 srl64(U32 a, int n) { return from(vshlq_u64(u64(a), vdupq_n_s64(-n))); }
inline U32 sll64(U32 a, int n) { return from(vshlq_u64(u64(a), vdupq_n_s64(n))); }
// Per-lane counts, taken as unsigned: 32 (64) or more gives 0.
inline U32 sllv32(U32 a, U32 n) { return vandq_u32(vshlq_u32(a, s32(n)), vcltq_u32(n, vdupq_n_u32(32))); }
inline U32 srlv32(U32 a, U32 n) {
  return vandq_u32(vshlq_u32(a, vnegq_s32(s32(n))), vcltq_u32(n, vdupq_n_u32(32)));
}
inline U32 sllv64(U32 a, U32 n) {
  return from(vandq_u64(vshlq_u64(u64(a), s64(n)), vcltq_u64(u64(n), vdupq_n_u64(64))));
}
inline U32 srlv64(U32 a, U32 n) {
  return from(vandq_u64(vshlq_u64(u64(a), vnegq_s64(s64(n))), vcltq_u64(u64(n), vdupq_n_u64(64))));
}
// Even 32-bit lanes of `even`, odd lanes of `odd`.
inline U32 blend_odd32(U32 even, U32 odd) {
  const uint32x4_t m = {0, 0xffffffffu, 0, 0xffffffffu};
  return vbslq_u32(m, odd, even);
}
// cvttpd2dq / cvtpd2dq of two doubles: NaN or out of the int32 range, INT32_MIN.
inline int32x2_t narrow_or_min(int64x2_t t) {
  const int32x2_t n = vmovn_s64(t);
  const uint64x2_t fits = vceqq_s64(vmovl_s32(n), t);
  return vbsl_s32(vmovn_u64(fits), n, vdup_n_s32(INT32_MIN));
}
inline int32x2_t not_nan(int32x2_t v, float64x2_t a) {
  return vbsl_s32(vmovn_u64(vceqq_f64(a, a)), v, vdup_n_s32(INT32_MIN));
}
inline int32x2_t cvtt_i32(float64x2_t a) { return not_nan(narrow_or_min(vcvtq_s64_f64(a)), a); }
inline int32x2_t cvtn_i32(float64x2_t a) { return not_nan(narrow_or_min(vcvtnq_s64_f64(a)), a); }
// minpd / maxpd: a < b ? a : b and a > b ? a : b (the second operand on ties and NaN).
inline float64x2_t min_pd(float64x2_t a, float64x2_t b) { return vbslq_f64(vcltq_f64(a, b), a, b); }
inline float64x2_t max_pd(float64x2_t a, float64x2_t b) { return vbslq_f64(vcgtq_f64(a, b), a, b); }
inline bool none(U32 v) { return vmaxvq_u32(v) == 0; }

inline void prefetch(const void* p) { __builtin_prefetch(p); }

}  // namespace pvt::feature::kernels::neon
