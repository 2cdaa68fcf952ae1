// VIF kernels for AVX-512 with VNNI: each multiply-add accumulates in one
// instruction (vpdpwssd, which wraps like the separate madd and add).
#include <immintrin.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512vnni"))), apply_to = function)
#elif defined(__GNUC__)
#pragma GCC target("avx512vnni")
#endif

#include "vif_avx512_isa.hpp"
#include "vif_simd.hpp"
#include "vif_x86.hpp"

namespace pvt::feature::kernels {
namespace {

struct Avx512Vnni : Avx512 {
  static V dot_add(V acc, V a, V b) { return _mm512_dpwssd_epi32(acc, a, b); }
};

}  // namespace

VifKernels vif_kernels_avx512_vnni() { return VifSimd<Avx512Vnni>::kernels(); }

}  // namespace pvt::feature::kernels

#if defined(__clang__)
#pragma clang attribute pop
#endif
