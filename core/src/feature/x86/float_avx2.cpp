// The float extractors' kernels for AVX2.
#include "float_avx2_isa.hpp"
#include "float_adm_simd.hpp"
#include "float_ansnr_simd.hpp"
#include "float_load_simd.hpp"
#include "float_motion_simd.hpp"
#include "float_vif_simd.hpp"
#include "float_x86.hpp"

namespace pvt::feature::kernels {

FloatVifKernels float_vif_kernels_avx2() {
  return {FloatVifSimd<FloatAvx2>::stats, FloatVifSimd<FloatAvx2>::decimate};
}

FloatAdmKernels float_adm_kernels_avx2() {
  return {FloatAdmSimd<FloatAvx2>::dwt, FloatAdmSimd<FloatAvx2>::decouple, FloatAdmSimd<FloatAvx2>::mask};
}

FloatMotionKernels float_motion_kernels_avx2() { return {FloatMotionSimd<FloatAvx2>::blur, FloatMotionSimd<FloatAvx2>::sad}; }

FloatLoadKernels float_load_kernels_avx2() { return {FloatLoadSimd<FloatAvx2>::u8, FloatLoadSimd<FloatAvx2>::u16}; }

FloatAnsnrFn float_ansnr_avx2() { return FloatAnsnrSimd<FloatAvx2>::sums; }

}  // namespace pvt::feature::kernels
