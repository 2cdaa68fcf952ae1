// ADM fused passes for AVX2.
#include "adm_avx2_isa.hpp"
#include "adm_simd.hpp"
#include "adm_x86.hpp"

namespace pvt::feature::kernels {

AdmFused adm_fused_avx2(int bpc) { return AdmSimd<AdmOps2>::table(bpc); }

}  // namespace pvt::feature::kernels
