// The float extractors' kernels for AVX-512.
#include "float_avx512_isa.hpp"
#include "float_adm_simd.hpp"
#include "float_ansnr_simd.hpp"
#include "float_load_simd.hpp"
#include "float_motion_simd.hpp"
#include "float_vif_simd.hpp"
#include "float_x86.hpp"

namespace pvt::feature::kernels {

FloatVifKernels float_vif_kernels_avx512() {
  return {FloatVifSimd<FloatAvx512>::stats, FloatVifSimd<FloatAvx512>::decimate};
}

FloatAdmKernels float_adm_kernels_avx512() {
  return {FloatAdmSimd<FloatAvx512>::dwt, FloatAdmSimd<FloatAvx512>::decouple, FloatAdmSimd<FloatAvx512>::mask};
}

FloatMotionKernels float_motion_kernels_avx512() { return {FloatMotionSimd<FloatAvx512>::blur, FloatMotionSimd<FloatAvx512>::sad}; }

FloatLoadKernels float_load_kernels_avx512() { return {FloatLoadSimd<FloatAvx512>::u8, FloatLoadSimd<FloatAvx512>::u16}; }

FloatAnsnrFn float_ansnr_avx512() { return FloatAnsnrSimd<FloatAvx512>::sums; }

}  // namespace pvt::feature::kernels
