#include "float_ansnr_kernels.hpp"
#include "pyvmaf_tiny/cpu.hpp"

#ifdef PVT_HAVE_X86_KERNELS
#include "../x86/float_x86.hpp"
#endif

namespace pvt::feature::kernels {
namespace {

template <int N>
float filter2d(const float* const* rows, int i, int j, const float* f) {
  constexpr int r = N / 2;
  float acc = 0.0f;
  for (int fi = 0; fi < N; ++fi) {
    const float* row = rows[i - r + fi] + j - r;
    float inner = 0.0f;
    for (int fj = 0; fj < N; ++fj) inner += f[fi * N + fj] * row[fj];
    acc += inner;
  }
  return acc;
}

}  // namespace

FloatAnsnrSums float_ansnr_scalar(const FloatAnsnrArgs& a) {
  FloatAnsnrSums total;
  for (int i = 0; i < a.height; ++i) {
    float signal = 0.0f, noise = 0.0f;
    for (int j = 0; j < a.width; ++j) {
      const float r = filter2d<3>(a.ref_rows, i, j, kAnsnrRefFilter);
      const float d = filter2d<5>(a.dis_rows, i, j, kAnsnrDisFilter);
      signal += r * r;
      noise += (r - d) * (r - d);
    }
    total.signal += signal;
    total.noise += noise;
  }
  return total;
}

FloatAnsnrFn select_float_ansnr() {
#ifdef PVT_HAVE_X86_KERNELS
  switch (active_isa()) {
    case Isa::avx512: return float_ansnr_avx512();
    case Isa::avx2: return float_ansnr_avx2();
    default: break;
  }
#endif
  return float_ansnr_scalar;
}

}  // namespace pvt::feature::kernels
