#pragma once
// What the CPU, and the OS for it, let the kernels use. x86: CPUID and the
// register state the OS saves (XGETBV); aarch64: NEON (Advanced SIMD), which
// every AArch64 CPU and OS has.
namespace pvt::platform {

struct CpuFeatures {
  bool avx2 = false, bmi2 = false, fma = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false, avx512cd = false;
  bool avx512vnni = false;  // AVX512-VNNI
  bool avxvnni = false;     // AVX-VNNI (the VEX form)
  bool neon = false;
};

const CpuFeatures& cpu_features();

}  // namespace pvt::platform
