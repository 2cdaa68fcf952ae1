// ADM fused passes for AVX-512 with VNNI: each multiply-add accumulates in
// one instruction (vpdpwssd, which wraps like the separate madd and add).
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512vnni"))), apply_to = function)
#elif defined(__GNUC__)
#pragma GCC target("avx512vnni")
#endif

#include "adm_avx512_isa.hpp"
#include "adm_simd.hpp"
#include "adm_x86.hpp"

namespace pvt::feature::kernels {
namespace {

struct AdmOps512Vnni : AdmOps512 {
  static V dot_add(V acc, V a, V b) { return _mm512_dpwssd_epi32(acc, a, b); }
};

}  // namespace

AdmFused adm_fused_avx512_vnni(int bpc) { return AdmSimd<AdmOps512Vnni>::table(bpc); }

}  // namespace pvt::feature::kernels

#if defined(__clang__)
#pragma clang attribute pop
#endif
