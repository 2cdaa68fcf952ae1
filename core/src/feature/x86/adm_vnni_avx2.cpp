// ADM fused passes for AVX2 with AVX-VNNI: each multiply-add accumulates in
// one instruction (vpdpwssd, which wraps like the separate madd and add).
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avxvnni"))), apply_to = function)
#elif defined(__GNUC__)
#pragma GCC target("avxvnni")
#endif

#include "adm_avx2_isa.hpp"
#include "adm_simd.hpp"
#include "adm_x86.hpp"

namespace pvt::feature::kernels {
namespace {

struct AdmOps2Vnni : AdmOps2 {
  static V dot_add(V acc, V a, V b) { return _mm256_dpwssd_avx_epi32(acc, a, b); }
};

}  // namespace

AdmFused adm_fused_avx2_vnni(int bpc) { return AdmSimd<AdmOps2Vnni>::table(bpc); }

}  // namespace pvt::feature::kernels

#if defined(__clang__)
#pragma clang attribute pop
#endif
