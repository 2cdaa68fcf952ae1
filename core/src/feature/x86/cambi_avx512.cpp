#include "cambi_x86.hpp"

namespace pvt::feature::kernels {

CambiKernels cambi_kernels_avx512() { return cambi_kernels_scalar(); }

}  // namespace pvt::feature::kernels
