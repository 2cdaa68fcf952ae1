// VIF kernels for AVX2 with AVX-VNNI: each multiply-add accumulates in one
// instruction (vpdpwssd, which wraps like the separate madd and add).
#include <immintrin.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avxvnni"))), apply_to = function)
#elif defined(__GNUC__)
#pragma GCC target("avxvnni")
#endif

#include "vif_avx2_isa.hpp"
#include "vif_simd.hpp"
#include "vif_x86.hpp"

namespace pvt::feature::kernels {
namespace {

struct Avx2Vnni : Avx2 {
  static V dot_add(V acc, V a, V b) { return _mm256_dpwssd_avx_epi32(acc, a, b); }
};

}  // namespace

VifKernels vif_kernels_avx2_vnni() { return VifSimd<Avx2Vnni>::kernels(); }

}  // namespace pvt::feature::kernels

#if defined(__clang__)
#pragma clang attribute pop
#endif
