// ADM fused passes for AVX-512 (F, BW, VL, DQ, CD).
#include "adm_avx512_isa.hpp"
#include "adm_simd.hpp"
#include "adm_x86.hpp"

namespace pvt::feature::kernels {

AdmFused adm_fused_avx512(int bpc) { return AdmSimd<AdmOps512>::table(bpc); }

}  // namespace pvt::feature::kernels
