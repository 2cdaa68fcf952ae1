// PSNR-HVS for AVX2: eight blocks at a time.
#include <immintrin.h>

#include "psnr_hvs_simd.hpp"
#include "psnr_hvs_x86.hpp"

namespace pvt::feature::kernels {
namespace {

struct Avx2Hvs {
  using VI = __m256i;
  using VF = __m256;
  static constexpr int lanes = 8;
  static VI load(const std::int32_t* p) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(p)); }
  static void store(float* p, VF v) { _mm256_store_ps(p, v); }
  static VI set1(std::int32_t v) { return _mm256_set1_epi32(v); }
  static VI add(VI a, VI b) { return _mm256_add_epi32(a, b); }
  static VI sub(VI a, VI b) { return _mm256_sub_epi32(a, b); }
  static VI mullo(VI a, VI b) { return _mm256_mullo_epi32(a, b); }
  static VI srai(VI a, int n) { return _mm256_sra_epi32(a, _mm_cvtsi32_si128(n)); }
  static VI srli(VI a, int n) { return _mm256_srl_epi32(a, _mm_cvtsi32_si128(n)); }
  static VI abs(VI a) { return _mm256_abs_epi32(a); }
  static VF zero() { return _mm256_setzero_ps(); }
  static VF fset1(float v) { return _mm256_set1_ps(v); }
  static VF to_float(VI a) { return _mm256_cvtepi32_ps(a); }
  static VF fadd(VF a, VF b) { return _mm256_add_ps(a, b); }
  static VF fsub(VF a, VF b) { return _mm256_sub_ps(a, b); }
  static VF fmul(VF a, VF b) { return _mm256_mul_ps(a, b); }
  static VF fdiv(VF a, VF b) { return _mm256_div_ps(a, b); }
  static VF fsqrt(VF a) { return _mm256_sqrt_ps(a); }
  static VF greater(VF a, VF b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static VF less(VF a, VF b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static VF select(VF m, VF if_true, VF if_false) { return _mm256_blendv_ps(if_false, if_true, m); }
};

}  // namespace

float psnr_hvs_plane_avx2(const Plane& ref, const Plane& dist, int width, int height, HvsTable table) {
  return PsnrHvsSimd<Avx2Hvs>::run(ref, dist, width, height, table);
}

}  // namespace pvt::feature::kernels
