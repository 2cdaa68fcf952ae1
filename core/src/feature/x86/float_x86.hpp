#pragma once
// x86 SIMD variants of the float extractors' kernels; only call those the
// CPU supports.
#include "../kernels/float_adm_kernels.hpp"
#include "../kernels/float_ansnr_kernels.hpp"
#include "../kernels/float_load_kernels.hpp"
#include "../kernels/float_motion_kernels.hpp"
#include "../kernels/float_vif_kernels.hpp"

namespace pvt::feature::kernels {

FloatVifKernels float_vif_kernels_avx2();
FloatVifKernels float_vif_kernels_avx512();
FloatAdmKernels float_adm_kernels_avx2();
FloatAdmKernels float_adm_kernels_avx512();
FloatMotionKernels float_motion_kernels_avx2();
FloatMotionKernels float_motion_kernels_avx512();
FloatLoadKernels float_load_kernels_avx2();
FloatLoadKernels float_load_kernels_avx512();
FloatAnsnrFn float_ansnr_avx2();
FloatAnsnrFn float_ansnr_avx512();

}  // namespace pvt::feature::kernels
