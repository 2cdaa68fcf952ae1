#include "pyvmaf_tiny/cpu.hpp"

#include <cstdlib>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "pyvmaf_tiny/errors.hpp"

namespace pvt {

Isa detected_isa() {
#if defined(__x86_64__) || defined(__i386__)
  static const Isa isa = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512cd"))
      return Isa::avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2")) return Isa::avx2;
    return Isa::scalar;
  }();
  return isa;
#else
  return Isa::scalar;
#endif
}

Isa active_isa() {
  const Isa best = detected_isa();
  const char* env = std::getenv("PYVMAF_TINY_ISA");
  if (!env || !*env) return best;
  const std::string want = env;
  Isa forced;
  if (want == "scalar") forced = Isa::scalar;
  else if (want == "avx2") forced = Isa::avx2;
  else if (want == "avx512") forced = Isa::avx512;
  else throw InputError("PYVMAF_TINY_ISA='" + want + "': use scalar, avx2 or avx512");
  if (static_cast<int>(forced) > static_cast<int>(best))
    throw BackendUnavailable("PYVMAF_TINY_ISA=" + want + ", but this CPU (or build) supports only " +
                             isa_name(best));
  return forced;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    default: return "scalar";
  }
}

bool vnni_usable(Isa isa) {
  const char* env = std::getenv("PYVMAF_TINY_VNNI");
  if (env && std::string(env) == "0") return false;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (isa == Isa::avx512) return __builtin_cpu_supports("avx512vnni");
  if (isa == Isa::avx2) {
    // AVX-VNNI (the VEX form): CPUID leaf 7, subleaf 1, EAX bit 4.
    unsigned a = 0, b = 0, c = 0, d = 0;
    return __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a >> 4 & 1);
  }
#endif
  (void)isa;
  return false;
}

}  // namespace pvt
