// PSNR-HVS for AVX-512: sixteen blocks at a time.
#include <immintrin.h>

#include "psnr_hvs_simd.hpp"
#include "psnr_hvs_x86.hpp"

namespace pvt::feature::kernels {
namespace {

struct Avx512Hvs {
  using VI = __m512i;
  using VF = __m512;
  using M = __mmask16;
  static constexpr int lanes = 16;
  static VI load(const std::int32_t* p) { return _mm512_load_si512(p); }
  static void store(float* p, VF v) { _mm512_store_ps(p, v); }
  static VI set1(std::int32_t v) { return _mm512_set1_epi32(v); }
  static VI add(VI a, VI b) { return _mm512_add_epi32(a, b); }
  static VI sub(VI a, VI b) { return _mm512_sub_epi32(a, b); }
  static VI mullo(VI a, VI b) { return _mm512_mullo_epi32(a, b); }
  static VI srai(VI a, int n) { return _mm512_sra_epi32(a, _mm_cvtsi32_si128(n)); }
  static VI srli(VI a, int n) { return _mm512_srl_epi32(a, _mm_cvtsi32_si128(n)); }
  static VI abs(VI a) { return _mm512_abs_epi32(a); }
  static VF zero() { return _mm512_setzero_ps(); }
  static VF fset1(float v) { return _mm512_set1_ps(v); }
  static VF to_float(VI a) { return _mm512_cvtepi32_ps(a); }
  static VF fadd(VF a, VF b) { return _mm512_add_ps(a, b); }
  static VF fsub(VF a, VF b) { return _mm512_sub_ps(a, b); }
  static VF fmul(VF a, VF b) { return _mm512_mul_ps(a, b); }
  static VF fdiv(VF a, VF b) { return _mm512_div_ps(a, b); }
  static VF fsqrt(VF a) { return _mm512_sqrt_ps(a); }
  static M greater(VF a, VF b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static M less(VF a, VF b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static VF select(M m, VF if_true, VF if_false) { return _mm512_mask_blend_ps(m, if_false, if_true); }
};

}  // namespace

float psnr_hvs_plane_avx512(const Plane& ref, const Plane& dist, int width, int height, HvsTable table) {
  return PsnrHvsSimd<Avx512Hvs>::run(ref, dist, width, height, table);
}

}  // namespace pvt::feature::kernels
